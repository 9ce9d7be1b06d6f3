package mxsso

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Events as the library writes them (captured from the tests' calls), and variants.
var eventSamples = []struct {
	json    string
	scanned bool // read by the scanner, without encoding/json
}{
	{`{"call":"user.update","op":"user.update","method":"PUT","path":"/user/u-1","attempt":1,"outcome":"MX_ERR_HTTP","http_status":503,"elapsed_us":540,"connection":"new","retry_in_ms":198,"retry_after_ms":1000,"message":"MX answered HTTP 503: Service Temporarily Unavailable. (MX is under maintenance; try again later)","ts":"2026-12-03T08:24:01.476047Z"}`, true},
	{`{"call":"user.update","op":"user.update","method":"PUT","path":"/user/u-1","attempt":2,"outcome":"MX_OK","http_status":200,"elapsed_us":458,"connection":"reused","retry_in_ms":null,"retry_after_ms":null,"message":null,"ts":"2026-12-03T08:24:01.674768Z"}`, true},
	{`{"call":"user.update","op":"user.update","method":"PUT","path":"/user/u-refused","attempt":0,"outcome":"MX_ERR_VALIDATION","http_status":null,"elapsed_us":0,"connection":null,"retry_in_ms":null,"message":"status is \"PAUSED\"; accepted values: ENABLED or DISABLED","ts":"2026-12-03T08:24:01.676201Z"}`, false},
	{`{"call":"","op":"","method":null,"path":null,"attempt":0,"outcome":"MX_ERR_INVALID_ARGUMENT","http_status":null,"elapsed_us":0,"connection":null,"retry_in_ms":null,"message":"operation is unknown","ts":"2026-12-03T08:24:01.676387Z"}`, true},
	{`{"call":"user.create","op":"user.read","method":"GET","path":"/user/a%2Fb%20c","attempt":2,"outcome":"MX_OK","http_status":200,"elapsed_us":235,"connection":"new","retry_in_ms":0,"message":null,"ts":"2026-12-03T08:24:01.677493Z"}`, true},
	{`{"call":"user.read","op":"user.read","method":"GET","path":"/user/x","attempt":1,"outcome":"MX_ERR_TIMEOUT","http_status":null,"elapsed_us":208028,"connection":"new","retry_in_ms":null,"message":"no complete answer within timeout_ms (200 ms)","ts":"2026-12-03T08:24:01.886279Z"}`, true},
	{`{"call":"user.read","message":"User with guid \u00e9 not found.","attempt":1}`, false},
	{`{"call":"user.read","message":"User with guid é not found."}`, false},
	{`{"call":"user.read","future_key":1}`, false},
	{`{"Call":"user.read"}`, false},
	{`{ "call": "user.read" }`, false},
	{`{"attempt":01}`, false},
	{`{"attempt":1.5}`, false},
	{`{"attempt":"1"}`, false},
	{`{"ts":"yesterday"}`, false},
	{`{}`, true},
	{`{"call":"user.read"} `, false},
	{`[]`, false},
	{``, false},
}

// The scanner reads what it takes exactly as encoding/json does, and decodeEvent gives
// encoding/json's result for everything else.
func TestDecodeEventMatchesEncodingJSON(t *testing.T) {
	for _, sample := range eventSamples {
		var want Event
		wantErr := json.Unmarshal([]byte(sample.json), &want)
		var scanned Event
		if ok := scanEvent([]byte(sample.json), &scanned); ok != sample.scanned {
			t.Errorf("scanEvent(%s) = %v, want %v", sample.json, ok, sample.scanned)
		} else if ok && (wantErr != nil || !reflect.DeepEqual(scanned, want)) {
			t.Errorf("scanEvent(%s):\n got  %+v\n want %+v (%v)", sample.json, scanned, want, wantErr)
		}
		var got Event
		err := decodeEvent([]byte(sample.json), &got)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeEvent(%s) = %+v, %v; want %+v, %v", sample.json, got, err, want, wantErr)
		}
	}
}

// Whatever the bytes, the scanner agrees with encoding/json whenever it takes them
// (`go test -fuzz FuzzScanEvent` explores further; `go test` runs the samples).
func FuzzScanEvent(f *testing.F) {
	for _, sample := range eventSamples {
		f.Add([]byte(sample.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var scanned Event
		if !scanEvent(data, &scanned) {
			return
		}
		var want Event
		if err := json.Unmarshal(data, &want); err != nil || !reflect.DeepEqual(scanned, want) {
			t.Errorf("scanEvent(%q) = %+v; encoding/json: %+v, %v", data, scanned, want, err)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	data := []byte(eventSamples[1].json)
	for i := 0; i < b.N; i++ {
		var e Event
		if err := decodeEvent(data, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEventWithEncodingJSON(b *testing.B) {
	data := []byte(eventSamples[1].json)
	for i := 0; i < b.N; i++ {
		var e Event
		if err := json.Unmarshal(data, &e); err != nil {
			b.Fatal(err)
		}
	}
}
