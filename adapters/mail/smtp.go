// Package mail sends the CRM's e-mail (crm.MailSender) through an SMTP server, with
// github.com/emersion/go-smtp: one connection per message, STARTTLS whenever the server offers
// it (required before any password is sent), PLAIN authentication when the URL has a user, and
// a deadline on every step.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/epicevents/epiccrm/crm"
)

// DefaultTimeout bounds connecting and each SMTP command.
const DefaultTimeout = 30 * time.Second

// Config says how to reach the SMTP server.
type Config struct {
	// URL is smtp://[user:password@]host[:port] (port 587 by default), or smtps:// for TLS from
	// the first byte (port 465 by default).
	URL string
	// From is the sender's address, such as crm@example.com or "EpicCRM <crm@example.com>".
	From string
	// Timeout bounds connecting and each command; zero means DefaultTimeout.
	Timeout time.Duration
	// TLS is the TLS configuration of STARTTLS and smtps (nil: the system's roots, the URL's host
	// as the server name).
	TLS *tls.Config
}

// Sender sends messages through one SMTP server. It is safe for concurrent use.
type Sender struct {
	addr     string
	host     string
	implicit bool
	user     *url.Userinfo
	from     string
	fromAddr string
	timeout  time.Duration
	tls      *tls.Config
}

var _ crm.MailSender = (*Sender)(nil)

// New checks cfg and returns a Sender. It does no I/O.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("the SMTP URL must look like smtp://user:password@host:587 (or smtps://... for TLS from the start)")
	}
	if cfg.From == "" {
		return nil, errors.New("the sender address (--smtp-from) is required with an SMTP URL")
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("the sender address %q is not an e-mail address: %w", cfg.From, err)
	}
	s := &Sender{host: u.Hostname(), implicit: u.Scheme == "smtps", user: u.User, from: cfg.From, fromAddr: from,
		timeout: cfg.Timeout, tls: cfg.TLS}
	port := u.Port()
	if port == "" {
		port = "587"
		if s.implicit {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.tls == nil {
		s.tls = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Send delivers m: nil once the server accepted it.
func (s *Sender) Send(ctx context.Context, m crm.Mail) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.user != nil {
		if _, secure := c.TLSConnectionState(); !secure && !isLoopback(s.host) {
			return fmt.Errorf("the SMTP server %s offers no TLS: refusing to send the password in the clear", s.addr)
		}
		pass, _ := s.user.Password()
		if err := c.Auth(sasl.NewPlainClient("", s.user.Username(), pass)); err != nil {
			return fmt.Errorf("logging in to the SMTP server %s: %w", s.addr, err)
		}
	}
	if err := c.SendMail(s.fromAddr, []string{m.To}, strings.NewReader(s.message(m))); err != nil {
		return fmt.Errorf("sending to %s through %s: %w", m.To, s.addr, err)
	}
	return c.Quit()
}

// connect returns a client that has greeted the server, over TLS when the URL is smtps or
// the server offers STARTTLS (learnt from a first greeting, after which the client reconnects
// and starts TLS before anything else).
func (s *Sender) connect(ctx context.Context) (*smtp.Client, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	if s.implicit {
		c := s.client(tls.Client(conn, s.tls))
		if err := c.Hello("localhost"); err != nil {
			c.Close()
			return nil, fmt.Errorf("greeting the SMTP server %s over TLS: %w", s.addr, err)
		}
		return c, nil
	}
	c := s.client(conn)
	if err := c.Hello("localhost"); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting the SMTP server %s: %w", s.addr, err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	_ = c.Quit()
	if conn, err = s.dial(ctx); err != nil {
		return nil, err
	}
	c, err = smtp.NewClientStartTLS(conn, s.tls)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("starting TLS with the SMTP server %s: %w", s.addr, err)
	}
	c.CommandTimeout, c.SubmissionTimeout = s.timeout, s.timeout
	return c, nil
}

// dial opens a connection to the server within the timeout and ctx's deadline.
func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to the SMTP server %s: %w", s.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return conn, nil
}

// client wraps conn with the Sender's timeouts.
func (s *Sender) client(conn net.Conn) *smtp.Client {
	c := smtp.NewClient(conn)
	c.CommandTimeout, c.SubmissionTimeout = s.timeout, s.timeout
	return c
}

// message returns the RFC 5322 text of m: UTF-8 plain text, the subject encoded when it is not
// ASCII, the language named (Content-Language, RFC 3282) when m knows it, CRLF line ends.
func (s *Sender) message(m crm.Mail) string {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", crm.OneLine(m.Subject)))
	header("Date", time.Now().UTC().Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	if lang := crm.OneLine(m.Language); lang != "" {
		header("Content-Language", lang)
	}
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	return b.String()
}

// parseAddress returns the bare address of "Name <addr>" or "addr".
func parseAddress(s string) (string, error) {
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		s = s[i+1 : len(s)-1]
	}
	if !strings.Contains(s, "@") || strings.ContainsAny(s, " \r\n<>") {
		return "", errors.New("expected name@domain")
	}
	return s, nil
}

// isLoopback reports whether host is this machine, where a password in the clear stays local.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
