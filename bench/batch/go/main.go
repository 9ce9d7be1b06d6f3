// What a bank writes instead of `mx-sso batch`, in Go: a CSV of user ids, 16 goroutines on one
// net/http client (a keep-alive pool of 16), one PUT /user/{id} with {"status":"DISABLED"} per
// row, and a results file with one line per row.
//
//	go_batch INPUT.csv RESULTS.jsonl [WORKERS]   (MX_SSO_BASE_URL, MX_SSO_API_KEY,
//	                                             MX_SSO_CLIENT_GUID from the environment)
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type row struct {
	line int
	id   string
}

type result struct {
	Line       int    `json:"line"`
	ID         string `json:"id"`
	HTTPStatus int    `json:"http_status"`
	Error      string `json:"error,omitempty"`
	ElapsedMS  int64  `json:"elapsed_ms"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go_batch INPUT.csv RESULTS.jsonl [WORKERS]")
		os.Exit(2)
	}
	workers := 16
	if len(os.Args) > 3 {
		workers, _ = strconv.Atoi(os.Args[3])
	}
	base := strings.TrimRight(os.Getenv("MX_SSO_BASE_URL"), "/")
	query := url.Values{"k": {os.Getenv("MX_SSO_API_KEY")}, "c": {os.Getenv("MX_SSO_CLIENT_GUID")}}.Encode()
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers},
	}
	input, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer input.Close()
	output, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer output.Close()
	results := bufio.NewWriter(output)
	defer results.Flush()
	var mu sync.Mutex
	rows := make(chan row, workers*2)
	ok, total := 0, 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rows {
				started := time.Now()
				res := result{Line: r.line, ID: r.id}
				req, _ := http.NewRequest(http.MethodPut, base+"/user/"+url.PathEscape(r.id)+"?"+query,
					bytes.NewReader([]byte(`{"status":"DISABLED"}`)))
				req.Header.Set("Content-Type", "application/json")
				answer, err := client.Do(req)
				if err != nil {
					res.Error = err.Error()
				} else {
					body, _ := io.ReadAll(answer.Body)
					answer.Body.Close()
					res.HTTPStatus = answer.StatusCode
					if answer.StatusCode != http.StatusOK {
						res.Error = string(body)
					}
				}
				res.ElapsedMS = time.Since(started).Milliseconds()
				line, _ := json.Marshal(res)
				mu.Lock()
				results.Write(append(line, '\n'))
				total++
				if res.HTTPStatus == http.StatusOK {
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	reader := csv.NewReader(bufio.NewReader(input))
	header, err := reader.Read()
	if err != nil || len(header) == 0 || header[0] != "id" {
		fmt.Fprintln(os.Stderr, "expected a header row starting with id")
		os.Exit(2)
	}
	for line := 2; ; line++ {
		record, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		rows <- row{line: line, id: record[0]}
	}
	close(rows)
	wg.Wait()
	fmt.Printf("%d of %d rows OK\n", ok, total)
}
