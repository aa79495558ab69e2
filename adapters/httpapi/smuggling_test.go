package httpapi_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smuggled is the request hidden in the body of the requests of TestRequestSmuggling. A server
// that takes the body to end at the chunked terminator reads it as a second, pipelined request
// and answers it: a second response on the connection.
const smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

// smuggleBody is a chunked body that ends where smuggled begins.
const smuggleBody = "0\r\n\r\n" + smuggled

// exchange writes raw on a new connection to the server at base and reads every response the
// server sends until it closes the connection or stays silent for a second. It returns the
// responses' statuses and whether the server closed the connection.
func exchange(t *testing.T, base, raw string) (statuses []int, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	// The server may refuse before reading everything: a write it cuts short is no failure.
	go func() { _, _ = conn.Write([]byte(raw)) }()
	br := bufio.NewReader(conn)
	for {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Second)))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				return statuses, false
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
				errors.Is(err, syscall.ECONNRESET), errors.Is(err, os.ErrDeadlineExceeded):
				return statuses, true
			}
			require.NoError(t, err, "after %d responses", len(statuses))
		}
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		statuses = append(statuses, resp.StatusCode)
	}
}

// TestRequestSmuggling sends, on a raw connection to the app as the server runs it, requests
// whose framing an intermediary could read otherwise than the server (RFC 9112 sections 6.1 and
// 6.3), each with a second request hidden after a chunked terminator. The server must never
// answer the hidden request: a transfer coding it does not implement, a Transfer-Encoding
// that is not chunked alone, or a repeated one is refused with 400 or 501 and the connection
// closed; a request with both Content-Length and Transfer-Encoding gets at most one answer and
// the connection is closed after it.
func TestRequestSmuggling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0].open, func(o *envOptions) { o.noFixture = true })
	base := serve(t, e)
	cl := "Content-Length: " + itoa(len(smuggleBody)) + "\r\n"
	cases := []struct {
		name    string
		headers string // the framing headers, each ending in CRLF
		proto   string // default HTTP/1.1
		refused bool   // the request must be refused with 400 or 501
	}{
		{name: "an unknown coding, gzip, with Content-Length", headers: cl + "Transfer-Encoding: gzip\r\n", refused: true},
		{name: "an unknown coding, gzip", headers: "Transfer-Encoding: gzip\r\n", refused: true},
		{name: "a look-alike coding, xchunked, with Content-Length", headers: cl + "Transfer-Encoding: xchunked\r\n", refused: true},
		{name: "a look-alike coding, xchunked", headers: "Transfer-Encoding: xchunked\r\n", refused: true},
		{name: "chunked not last: chunked, identity", headers: cl + "Transfer-Encoding: chunked, identity\r\n", refused: true},
		{name: "chunked not last, without Content-Length", headers: "Transfer-Encoding: chunked, identity\r\n", refused: true},
		{name: "identity, a coding RFC 9112 no longer has", headers: "Transfer-Encoding: identity\r\n", refused: true},
		{name: "identity with Content-Length", headers: cl + "Transfer-Encoding: identity\r\n", refused: true},
		{name: "two Transfer-Encoding headers", headers: "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", refused: true},
		{name: "two Transfer-Encoding headers with Content-Length", headers: cl + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", refused: true},
		{name: "a space before the colon", headers: cl + "Transfer-Encoding : chunked\r\n", refused: true},
		{name: "chunked folded onto a continuation line", headers: cl + "Transfer-Encoding:\r\n chunked\r\n", refused: true},
		{name: "Transfer-Encoding in HTTP/1.0", headers: cl + "Transfer-Encoding: chunked\r\n", proto: "HTTP/1.0", refused: true},
		{name: "Content-Length and Transfer-Encoding: chunked", headers: cl + "Transfer-Encoding: chunked\r\n"},
		{name: "Transfer-Encoding first, then Content-Length", headers: "Transfer-Encoding: chunked\r\n" + cl},
		{name: "Chunked in capitals, with Content-Length", headers: cl + "Transfer-Encoding: Chunked\r\n"},
		{name: "a tab before chunked, with Content-Length", headers: cl + "Transfer-Encoding:\tchunked\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proto := tc.proto
			if proto == "" {
				proto = "HTTP/1.1"
			}
			raw := "POST /api/v1/auth/refresh " + proto + "\r\nHost: x\r\nContent-Type: application/json\r\n" +
				tc.headers + "\r\n" + smuggleBody
			statuses, closed := exchange(t, base, raw)
			assert.LessOrEqual(t, len(statuses), 1, "the hidden request was answered: %v", statuses)
			assert.True(t, closed, "the connection stays open after a request of ambiguous framing (%v)", statuses)
			if tc.refused {
				require.Len(t, statuses, 1, "the request is answered before the connection is closed")
				assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotImplemented}, statuses[0])
			}
		})
	}

	t.Run("a well-framed pipelined request is still answered", func(t *testing.T) {
		// The same bytes without Content-Length are a valid chunked body and a second request;
		// it is answered, which shows that the cases above count responses right.
		raw := "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		statuses, closed := exchange(t, base, raw)
		assert.Len(t, statuses, 2)
		assert.True(t, closed, "Connection: close is honoured")
		if len(statuses) == 2 {
			assert.Equal(t, http.StatusOK, statuses[1])
		}
	})
}

// TestIdentityTransferEncodingIsAProblem checks the refusal of the guard NewApp adds for the
// Transfer-Encoding fasthttp still takes: a problem document, and the connection closed.
func TestIdentityTransferEncodingIsAProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0].open, func(o *envOptions) { o.noFixture = true })
	base := serve(t, e)
	resp, b := rawRequest(t, base, "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\n"+
		"Transfer-Encoding: identity\r\n\r\n"+smuggleBody)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", b)
	p := decodeProblem(t, resp, b)
	assert.Contains(t, p.Detail, "Transfer-Encoding")
	assert.True(t, resp.Close, "Connection: close is sent")
}
