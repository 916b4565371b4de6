// Package redirecttest is a simulated Intel AMT redirection endpoint (the
// device side of ports 16994/16995), like net/http/httptest for package
// redirect.
//
// A [Server] listens on 127.0.0.1, accepts SOL, IDE-R and KVM sessions,
// checks digest (type 4) or, when Config.Legacy is set, user/password (type
// 1) credentials, runs a [Console] behind SOL (an echo or a scripted fake
// BIOS), acts as firmware booting from the IDE-R image ([Boot]: the ATAPI
// sequence a BIOS sends, a full read with a SHA-256, checks of the sense
// codes) and answers KVM with a minimal RFB server. Features can be switched
// off ([Server.SetEnabled]) or held by another console ([Server.Occupy]) to
// exercise ErrUnsupported and ErrBusy; switching a feature off ends its
// active sessions as a device does ([Server.EndSessions],
// [Server.SetRedirectionState], which a simulated AMT side calls through
// amttest.Config.OnRedirectionState), and [Faults] injects dropped
// connections, slow replies and bad sequence numbers. Config.Power is the
// host's initial power state (a row of Table C-3, as every oobkit
// simulator's Config takes it), which SOL's serial control message reports
// ([Server.SetPowerState] and [Server.Reboot] change it).
//
// The simulator is lenient like real firmware where real clients differ: it
// accepts both OPEN_SESSION layouts, does not enforce the console's
// sequence numbers, and after the SOL start reply and the serial control
// message waits until the console echoes a heartbeat probe (at most
// Config.Settle) so that amtterm, which discards bytes behind those replies,
// sees everything however slowly it runs (amtterm's redir.c,
// https://www.kraxel.org/cgit/amtterm/, reads the session that way).
// Debian's amtterm 1.4 talks to it
// with Config.Legacy set.
package redirecttest
