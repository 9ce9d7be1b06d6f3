package mxsso

import (
	"encoding/json"
	"strconv"
	"time"
)

// decodeEvent fills e from the library's event object. The library writes one compact, flat
// object of the twelve event keys with ASCII strings, integers and nulls (serde_json);
// scanEvent reads exactly that shape without reflection (encoding/json took about 4 µs per
// event, most of what a handler cost a call), and anything else (an escaped or non-ASCII
// string, such as a message quoting a value, an unknown key, any surprise) is decoded by
// encoding/json instead, with the same result.
func decodeEvent(data []byte, e *Event) error {
	if scanEvent(data, e) {
		return nil
	}
	*e = Event{}
	return json.Unmarshal(data, e)
}

// scanEvent reads {"key":value,...} with the event's keys only, each value an ASCII string
// without a backslash, an integer or null; it reports false, leaving e partly filled, on
// anything else, including a value of the wrong kind for its key.
func scanEvent(data []byte, e *Event) bool {
	s := eventScanner{data: data}
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return s.i == len(data)
	}
	for {
		if !s.next('"') {
			return false
		}
		key, ok := s.str()
		if !ok || !s.next(':') {
			return false
		}
		var text []byte
		var number int64
		kind := valueText
		switch {
		case s.next('"'):
			if text, ok = s.str(); !ok {
				return false
			}
		case s.null():
			kind = valueNull
		default:
			if number, ok = s.integer(); !ok {
				return false
			}
			kind = valueNumber
		}
		if !assign(e, key, kind, text, number) {
			return false
		}
		if s.next('}') {
			return s.i == len(data)
		}
		if !s.next(',') {
			return false
		}
	}
}

// The kinds of value the scanner reads.
const (
	valueText = iota
	valueNull
	valueNumber
)

// assign sets the field of key; false for an unknown key or a value of the wrong kind.
func assign(e *Event, key []byte, kind int, text []byte, number int64) bool {
	switch string(key) {
	case "call", "op", "method", "path", "outcome", "connection", "message":
		if kind == valueNumber {
			return false
		}
		*eventString(e, key) = known(text)
	case "attempt", "http_status", "elapsed_us", "retry_in_ms", "retry_after_ms":
		if kind == valueText {
			return false
		}
		switch string(key) {
		case "attempt":
			e.Attempt = int(number)
		case "http_status":
			e.HTTPStatus = int(number)
		case "elapsed_us":
			e.ElapsedUS = number
		case "retry_in_ms":
			e.RetryInMS = optional(kind, number)
		default:
			e.RetryAfterMS = optional(kind, number)
		}
	case "ts":
		if kind == valueNumber {
			return false
		}
		e.TS = time.Time{}
		if kind == valueText {
			ts, err := time.Parse(time.RFC3339Nano, string(text))
			if err != nil {
				return false
			}
			e.TS = ts
		}
	default:
		return false
	}
	return true
}

// eventString is the string field of e for one of its string keys.
func eventString(e *Event, key []byte) *string {
	switch string(key) {
	case "call":
		return &e.Call
	case "op":
		return &e.Op
	case "method":
		return &e.Method
	case "path":
		return &e.Path
	case "outcome":
		return &e.Outcome
	case "connection":
		return &e.Connection
	default:
		return &e.Message
	}
}

// known gives the string of b, without allocating for the values most events repeat.
func known(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case opUserCreate:
		return opUserCreate
	case opUserRead:
		return opUserRead
	case opUserUpdate:
		return opUserUpdate
	case opUserDelete:
		return opUserDelete
	case opUserEnsure:
		return opUserEnsure
	case opMemberCreate:
		return opMemberCreate
	case opMemberRead:
		return opMemberRead
	case opMemberUpdate:
		return opMemberUpdate
	case opMemberDelete:
		return opMemberDelete
	case opMemberEnsure:
		return opMemberEnsure
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "new":
		return "new"
	case "reused":
		return "reused"
	}
	for code := CodeOK; int(code) < len(codeNames); code++ {
		if string(b) == codeNames[code] {
			return codeNames[code]
		}
	}
	return string(b)
}

// eventScanner reads data from i on.
type eventScanner struct {
	data []byte
	i    int
}

// next consumes c if it comes next.
func (s *eventScanner) next(c byte) bool {
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

// null consumes null if it comes next.
func (s *eventScanner) null() bool {
	if len(s.data)-s.i >= 4 && string(s.data[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads the rest of a string after its opening quote: ASCII without escapes or control
// characters.
func (s *eventScanner) str() ([]byte, bool) {
	for start := s.i; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return s.data[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// integer reads an integer as JSON writes it (no leading zero, no fraction or exponent).
func (s *eventScanner) integer() (int64, bool) {
	start := s.i
	s.next('-')
	digits := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || s.data[digits] == '0' && s.i > digits+1 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.data[start:s.i]), 10, 64)
	return n, err == nil
}

// optional is a number that may be null: nil for null.
func optional(kind int, number int64) *int64 {
	if kind != valueNumber {
		return nil
	}
	return &number // only this copy escapes
}
