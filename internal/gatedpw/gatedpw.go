// Package gatedpw gives tests a crm.Passwords whose checks can be held at a gate, so that a test
// can keep the service's hashing slots busy and see what the next caller is told.
package gatedpw

import (
	"sync"

	"github.com/epicevents/epiccrm/crm"
)

// Passwords wraps a crm.Passwords: while its gate is closed, every Verify announces itself on
// Waiting and then waits for the gate to open.
type Passwords struct {
	crm.Passwords
	mu   sync.Mutex
	gate chan struct{}
	// Waiting receives one value for each check that reaches the closed gate.
	Waiting chan struct{}
}

// New wraps p; Waiting has room for one announcement.
func New(p crm.Passwords) *Passwords {
	return &Passwords{Passwords: p, Waiting: make(chan struct{}, 1)}
}

// Close makes the next checks wait until the returned function is called.
func (p *Passwords) Close() (open func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := make(chan struct{})
	p.gate = g
	return func() {
		p.mu.Lock()
		p.gate = nil
		p.mu.Unlock()
		close(g)
	}
}

// Verify checks pw against hash once the gate is open.
func (p *Passwords) Verify(hash, pw string) (bool, bool) {
	p.mu.Lock()
	g := p.gate
	p.mu.Unlock()
	if g != nil {
		p.Waiting <- struct{}{}
		<-g
	}
	return p.Passwords.Verify(hash, pw)
}
