// Package solterm bridges a serial-over-LAN session ([redirect.SOL], or any
// io.ReadWriteCloser) to a terminal: what the user types goes to the host's
// serial port and what the host writes comes back, until the user quits
// ([QuitKey], Ctrl-] as in telnet), the context ends or the session ends.
// Fed from a pipe rather than a terminal, the bridge ends once the input is
// consumed and the host has been quiet for a moment, so a script can send
// commands and collect the answers.
//
//	restore, interactive := solterm.MakeRaw(os.Stdin)
//	defer restore()
//	err := solterm.Bridge(ctx, sol, os.Stdin, os.Stdout, solterm.Options{Interactive: interactive})
package solterm

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// QuitKey ends an interactive session: Ctrl-] (0x1d), as in telnet.
const QuitKey = 0x1d

// DefaultQuiet is how long the host must stay quiet after the input ends
// before a non-interactive bridge ends.
const DefaultQuiet = 500 * time.Millisecond

// Options say how [Bridge] ends.
type Options struct {
	// Interactive means in is a terminal: QuitKey ends the session (the
	// bytes typed before it are sent), and so does the end of the input.
	// Otherwise QuitKey is sent as any byte, and the end of the input ends
	// the session once the host has been quiet for Quiet.
	Interactive bool
	// Quiet is how long the host must stay quiet after the input ends
	// (default [DefaultQuiet]); not used when Interactive.
	Quiet time.Duration
}

// Bridge copies in to sol and sol to out until the user quits, ctx ends,
// sol ends (its Read returns io.EOF or an error), or (not interactive) in
// ends and the host stays quiet for o.Quiet. sol is closed when Bridge
// returns, and out is not written after it returns: sol's Read must return
// once sol is closed, as a [redirect.SOL]'s and a net.Conn's do. Bridge
// returns the error that ended it: nil for a quit or the end of the
// session, ctx.Err() when ctx ends (context.DeadlineExceeded or
// context.Canceled), sol.Close's error after quiet input, else the error
// of a read or write. It does not close in, and a Read on in that never
// returns keeps one goroutine waiting on it.
func Bridge(ctx context.Context, sol io.ReadWriteCloser, in io.Reader, out io.Writer, o Options) error {
	quiet := o.Quiet
	if quiet <= 0 {
		quiet = DefaultQuiet
	}
	var mu sync.Mutex
	lastOutput := time.Now()
	outDone := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := sol.Read(buf)
			if n > 0 {
				mu.Lock()
				lastOutput = time.Now()
				mu.Unlock()
				if _, werr := out.Write(buf[:n]); werr != nil {
					outDone <- werr
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				outDone <- err
				return
			}
		}
	}()
	inDone := make(chan error, 1)
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := in.Read(buf)
			chunk := buf[:n]
			if o.Interactive {
				for i, b := range chunk {
					if b == QuitKey {
						_, _ = sol.Write(chunk[:i])
						inDone <- nil
						return
					}
				}
			}
			if len(chunk) > 0 {
				if _, werr := sol.Write(chunk); werr != nil {
					inDone <- werr
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				inDone <- err
				return
			}
		}
	}()
	// end closes the session and waits for the output copy to stop, so
	// nothing is written to out once Bridge has returned.
	end := func(err error) error {
		cerr := sol.Close()
		<-outDone
		if err == nil {
			err = cerr
		}
		return err
	}
	var inputEnded <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			// The caller's deadline or cancellation is an error: a
			// "--timeout" that ran out is not a session that ended well.
			_ = end(nil)
			return ctx.Err()
		case err := <-outDone:
			_ = sol.Close()
			return err
		case err := <-inDone:
			if err != nil {
				return end(err)
			}
			if o.Interactive {
				_ = end(nil) // the user quit: how the session closed is not news
				return nil
			}
			inDone = nil
			mu.Lock()
			lastOutput = time.Now() // give the host time to answer the last input
			mu.Unlock()
			tick := time.NewTicker(quiet / 5)
			defer tick.Stop()
			inputEnded = tick.C
		case <-inputEnded:
			mu.Lock()
			idle := time.Since(lastOutput)
			mu.Unlock()
			if idle >= quiet {
				return end(nil)
			}
		}
	}
}

// MakeRaw puts in into raw mode when it is a terminal (an *os.File on a
// tty), so keys reach the host as typed, Ctrl-C and Ctrl-] included, and
// returns how to restore it and true. For anything else it returns a
// restore that does nothing and false.
func MakeRaw(in io.Reader) (restore func(), ok bool) {
	f, isFile := in.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return func() {}, false
	}
	old, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return func() {}, false
	}
	return func() { _ = term.Restore(int(f.Fd()), old) }, true
}
