package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// checkPprofAddr refuses a profiling address that is not on a loopback interface (an empty
// host, as in ":6060", means every interface) unless allowRemote: the profiles show the
// program's internals and cost CPU to take, so they are not for the network at large.
func checkPprofAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("--pprof-addr %q is not HOST:PORT, such as 127.0.0.1:6060: %v", addr, err)}
	}
	if allowRemote {
		return nil
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageError{fmt.Sprintf("--pprof-addr %q is not a loopback address: profiles expose the server's internals; "+
			"use 127.0.0.1:PORT, or add --pprof-allow-remote if the address is firewalled", addr)}
	}
	return nil
}

// startPprof serves the net/http/pprof endpoints (/debug/pprof/...) on addr, on a server of
// their own apart from the CRM's, until stop is called.
func startPprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on --pprof-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile or a trace streams for as long as asked (?seconds=N).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("the profiling server stopped", "error", err)
		}
	}()
	logger.Info("profiling", "pprof_addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
