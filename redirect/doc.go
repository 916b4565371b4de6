// Package redirect speaks the Intel AMT redirection protocol on ports 16994
// (plain) and 16995 (TLS): serial-over-LAN as an io.ReadWriteCloser, IDE-R
// serving floppy and CD/DVD images from any io.ReaderAt, and KVM handed over
// as a raw RFB stream.
//
// A [Client] is built from an [oobkit.Target] and an [oobkit.Credential]:
//
//	c, err := redirect.New(target, oobkit.UserPassword("admin", pw))
//	sol, err := c.OpenSOL(ctx, redirect.SOLSettings{})      // SOL terminal
//	ider, err := c.OpenIDER(ctx, redirect.IDEROptions{CD: &redirect.Image{R: f, Size: n}})
//	rfb, err := c.OpenKVM(ctx)                              // give rfb to a VNC library
//
// Each session is one TCP connection: StartRedirectionSession, then
// AuthenticateSession with HTTP digest (type 4, qop=auth, what AMT 12 and
// later require; computed by internal/digest over "POST
// /RedirectionService"). The legacy clear-text type 1 of older firmware is
// used only when the caller opts in with [WithLegacyAuth] or a credential of
// kind [oobkit.AuthPassword]. TLS follows the credential's
// [oobkit.TLSSettings]: verification is on unless InsecureSkipVerify is set,
// a PinnedSHA256 accepts exactly the device's self-signed certificate, and
// LegacyCiphers enables TLS 1.0 and RSA key exchange for AMT 11/12 (the same
// setup as oobkit's WS-Management transport). A certificate the client refuses
// fails the session with [oobkit.ErrAuth], as in WS-Management: the device did not
// prove who it is. Connect through your own [DialFunc] with [WithDialContext] to tunnel.
//
// Messages are read by a framing reader over a bufio.Reader that knows the
// length rule of every opcode, never one read per message. Errors are
// *oobkit.Error values of protocol [oobkit.Redirection]: [oobkit.ErrAuth]
// for a refused credential, [oobkit.ErrUnsupported] when the feature is
// disabled on the device, [oobkit.ErrBusy] when a session of that kind is
// already active (unless the client was made [WithTakeOver], which ends the
// other console's session first, as the RTSM guide's tasks do),
// [oobkit.ErrUnreachable] for lost connections, [oobkit.ErrDevice] wrapping
// [ErrEndedByDevice] for a running session the device ended (taken over)
// and [oobkit.ErrProtocol] for malformed or out-of-sequence messages.
//
// IDE-R answers the ATAPI commands firmware sends (TEST UNIT READY, REQUEST
// SENSE, INQUIRY, READ(6/10/12), READ CAPACITY(10/16), MODE SENSE(6/10),
// READ TOC, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ FORMAT
// CAPACITIES, READ DISC INFORMATION, START STOP UNIT, PREVENT ALLOW MEDIUM
// REMOVAL) and CHECK CONDITION with proper sense data for everything else:
// reads past the end get ILLEGAL REQUEST / LBA OUT OF RANGE, writes get
// DATA PROTECT / WRITE PROTECTED. A session holds one data buffer of the
// device's buffer size, whatever the image size, so one image can serve
// many sessions.
//
// The protocol facts come from public sources: Intel's AMT SDK
// documentation of the redirection protocol (Storage Redirection and
// Serial-over-LAN, https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/),
// Gerd Hoffmann's amtterm (https://www.kraxel.org/cgit/amtterm/,
// redir.c and RedirectionConstants.h) and MeshCommander's
// amt-redir-ws-0.1.0.js (https://github.com/Ylianst/MeshCommander); package
// redirecttest is the device side for tests.
package redirect
