// Package smtptest runs an SMTP server in a test (github.com/emersion/go-smtp) and keeps the
// messages it receives, so that a test checks what was sent: recipient, subject, body, count.
package smtptest

import (
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From    string
	To      []string
	Subject string
	Body    string
	Header  mail.Header
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is the server's host:port on the loopback interface.
	Addr string

	mu      sync.Mutex
	msgs    []Message
	rejects int
}

// New starts a server that lives until the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listening: %v", err)
	}
	s := &Server{Addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the smtp:// URL of the server.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// Reject makes the server refuse the next n messages with a temporary failure.
func (s *Server) Reject(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects = n
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until the server has accepted at least n messages, and returns them; it fails
// the test after timeout.
func (s *Server) WaitFor(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				tb.Fatalf("smtptest: %d messages after %v, want %d: %+v", len(msgs), timeout, n, msgs)
			}
			return msgs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.rejects > 0 {
		x.s.rejects--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return errors.New("smtptest: unreadable message: " + err.Error())
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Subject: subject,
		Body: strings.ReplaceAll(string(body), "\r\n", "\n"), Header: m.Header})
	return nil
}
