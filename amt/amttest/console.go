package amttest

import (
	"context"
	"fmt"
	"io"
)

// BIOSSetupTitle is the title line of the simulated BIOS setup screen that
// a SOL console shows while the computer sits in BIOS setup after a boot
// with its console redirected over SOL ("Power On to BIOS (Terminal)",
// "Reset to BIOS (Terminal)").
const BIOSSetupTitle = "BIOS Setup Utility"

// biosScreen is the text the simulated BIOS draws on its serial console:
// a VT100 clear screen, the title and the setup menu.
func (d *Device) biosScreen() string {
	return "\x1b[2J\x1b[H" +
		"        oobkit simulated " + BIOSSetupTitle + "\r\n" +
		"  Main   Advanced   Boot   Security   Exit\r\n" +
		"  ----------------------------------------\r\n" +
		"  System:       " + d.cfg.HostName + "\r\n" +
		"  AMT firmware: " + d.cfg.Firmware + "\r\n" +
		"  Console redirection: Serial-over-LAN\r\n" +
		"  F10: Save and Exit   Esc: Exit\r\n"
}

// SOLConsole is the host side of the device's Serial-over-LAN port, for
// redirecttest.Config.Console (its signature is redirecttest.Console; this
// package does not import it): it shows what the computer prints on its
// serial console. While the computer sits in BIOS setup after a boot whose
// console was redirected over SOL, that is the BIOS setup screen (see
// [BIOSSetupTitle]), drawn when the console connects and again after every
// such boot; otherwise nothing. What the console types is read and
// ignored. It returns when ctx ends or the port fails.
func (d *Device) SOLConsole(ctx context.Context, port io.ReadWriter) error {
	go func() { _, _ = io.Copy(io.Discard, port) }() // ends when the session closes the port
	shown := -1
	for {
		d.mu.Lock()
		b, changed := d.boot, d.changed
		d.mu.Unlock()
		if b.InBIOSSetup && b.SOL && b.Boots != shown {
			if _, err := io.WriteString(port, d.biosScreen()); err != nil {
				return fmt.Errorf("amttest: SOL console: %w", err)
			}
			shown = b.Boots
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}
