package redirecttest

import (
	"bytes"
	"context"
	"io"
)

// Console is the host side of a SOL session: port reads what the console
// typed and writes what the host's serial port prints. It runs until ctx
// ends (the session closed) or it returns.
type Console func(ctx context.Context, port io.ReadWriter) error

// EchoConsole writes back everything typed.
func EchoConsole(ctx context.Context, port io.ReadWriter) error {
	_, err := io.Copy(port, port)
	return err
}

// Step is one exchange of a scripted console: wait until the typed input
// contains Expect (skip when empty), then print Send.
type Step struct {
	Expect string
	Send   string
}

// ScriptConsole plays steps in order, like a BIOS setup screen or a boot
// loader prompt, then echoes.
func ScriptConsole(steps ...Step) Console {
	return func(ctx context.Context, port io.ReadWriter) error {
		var seen []byte
		buf := make([]byte, 512)
		for _, st := range steps {
			for st.Expect != "" && !bytes.Contains(seen, []byte(st.Expect)) {
				n, err := port.Read(buf)
				if err != nil {
					return err
				}
				seen = append(seen, buf[:n]...)
			}
			if i := bytes.Index(seen, []byte(st.Expect)); st.Expect != "" {
				seen = seen[i+len(st.Expect):]
			}
			if _, err := io.WriteString(port, st.Send); err != nil {
				return err
			}
		}
		return EchoConsole(ctx, port)
	}
}

// BIOSConsole is a scripted fake BIOS: a POST banner, then a setup prompt
// answered when the console types "boot".
var BIOSConsole = ScriptConsole(
	Step{Send: "oobkit BIOS v1.0\r\nPress F2 for setup, type boot to continue\r\n> "},
	Step{Expect: "boot", Send: "\r\nBooting from IDE-R CD...\r\n"},
)
