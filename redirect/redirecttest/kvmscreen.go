package redirecttest

import (
	"context"
	"image"
	"net"
	"sync"

	"github.com/oobkit/oobkit/redirect/internal/rfbserve"
)

// Phase is what the simulated computer shows on its screen.
type Phase int

// Phases of the simulated computer.
const (
	// PhaseOff is a powered-off computer: a black screen.
	PhaseOff Phase = iota
	// PhasePOST is the power-on self test: the firmware banner and the
	// prompt "Press F2 or DEL to enter SETUP, ENTER to boot". F2 or Delete
	// enters BIOS setup, Enter boots the operating system.
	PhasePOST
	// PhaseBIOSSetup is the BIOS setup utility: five menus (Main, Advanced,
	// Boot, Security, Exit) with a highlighted item. Up and Down move the
	// highlight, Left and Right change menu, a click selects an item, F10
	// or Enter on "Save Changes and Exit" boots the operating system.
	PhaseBIOSSetup
	// PhaseBooting is the boot progress screen: the boot device and a bar
	// filled to Machine.Progress percent.
	PhaseBooting
	// PhaseOS is the operating system's text login prompt; printable keys
	// are echoed after "login:" and BackSpace erases.
	PhaseOS
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseOff:
		return "off"
	case PhasePOST:
		return "POST"
	case PhaseBIOSSetup:
		return "BIOS setup"
	case PhaseBooting:
		return "booting"
	case PhaseOS:
		return "OS login"
	}
	return "unknown"
}

// Machine is the state of the simulated computer the screen draws. Tests
// set it from the power and boot state of a simulated AMT device (the
// simulators do not import each other; see [Screen.Follow]).
type Machine struct {
	Phase Phase
	// BootDevice is what the computer boots from, shown while booting
	// ("hdd", "pxe", "ider-cd"…; empty means "hdd").
	BootDevice string
	// Progress is the boot progress in percent (PhaseBooting).
	Progress int
	// ConsentCode, when set, is drawn in a box: the six-digit user consent
	// code AMT shows on the local screen after IPS_OptInService.StartOptIn.
	ConsentCode string
}

// ScreenConfig configures a Screen.
type ScreenConfig struct {
	// Width and Height are the screen's size (default 640×480). AMT's KVM
	// works at any resolution the integrated graphics drives, within its
	// 8 MB framebuffer budget.
	Width, Height int
	// HostName is shown in the banners (default "amt-sim").
	HostName string
	// AMTVersion is the AMT/CSME firmware version the screen's device
	// models; it decides the RFB version Serve announces (RFBVersion).
	// Empty announces RFB 3.8.
	AMTVersion string
	// Consent, when set, is asked as each viewer connects: false refuses
	// the viewer, as AMT does while user consent is required and not given
	// (IPS_OptInService OptInRequired set and OptInState not "received").
	// The refusal is an RFB connection failure with the reason
	// [ConsentRefusal] (RFC 6143 §7.1.2).
	Consent func() bool
	// Tile is the largest Raw rectangle side (default 64, as AMT sends;
	// negative sends each changed region as one rectangle).
	Tile int
	// Machine is the initial state (default PhaseOff).
	Machine Machine
}

// ConsentRefusal is the reason the simulated screen gives a viewer it
// refuses for want of user consent.
const ConsentRefusal = "user consent is required"

// ScreenState is what the screen shows, for tests.
type ScreenState struct {
	Machine
	// Menu and Item are the highlighted BIOS menu and item (0-based).
	Menu, Item int
	// MenuName and ItemName name them.
	MenuName, ItemName string
	// Typed is what was typed at the login prompt.
	Typed string
	// Viewers is the number of RFB viewers connected now.
	Viewers int
	// Refused counts viewers refused for want of consent.
	Refused int
}

// Screen is the simulated computer's display served over the AMT KVM
// redirection (RFB 3.8, security None after the redirection layer's
// authentication; Raw rectangles in 64×64 tiles; 32-bit RGB888 native, and
// RGB565 or RGB332 when a viewer asks, as AMT consoles do — reference §5).
// It draws POST, BIOS setup, boot progress and an OS login with a built-in
// bitmap font, deterministically: the same state always gives the same
// pixels. Use Serve as [Config.KVM].
type Screen struct {
	cfg   ScreenConfig
	fb    *rfbserve.Framebuffer
	scale int

	mu      sync.Mutex
	st      ScreenState
	back    []uint32
	buttons uint8
}

// NewScreen returns a screen showing cfg.Machine.
func NewScreen(cfg ScreenConfig) *Screen {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		cfg.Width, cfg.Height = 640, 480
	}
	if cfg.HostName == "" {
		cfg.HostName = "amt-sim"
	}
	if cfg.Tile == 0 {
		cfg.Tile = 64
	}
	s := &Screen{cfg: cfg, fb: rfbserve.NewFramebuffer(cfg.Width, cfg.Height)}
	s.scale = max(1, min(cfg.Height/240, cfg.Width/320))
	s.back = make([]uint32, cfg.Width*cfg.Height)
	s.mu.Lock()
	s.st.Machine = cfg.Machine
	s.redrawLocked()
	s.mu.Unlock()
	return s
}

// Serve runs one viewer on conn: the RFB stream of a KVM session after the
// redirection layer's start reply. It is the signature of [Config.KVM].
func (s *Screen) Serve(conn net.Conn) error {
	o := rfbserve.Options{Name: "oobkit KVM " + s.cfg.HostName, Tile: max(s.cfg.Tile, 0), Key: s.key, Pointer: s.pointer,
		Version: RFBVersion(s.cfg.AMTVersion)}
	if s.cfg.Consent != nil && !s.cfg.Consent() {
		o.Refuse = ConsentRefusal
		s.mu.Lock()
		s.st.Refused++
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.st.Viewers++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.st.Viewers--
		s.mu.Unlock()
	}()
	return rfbserve.Serve(context.Background(), conn, s.fb, o)
}

// Set changes the computer's state and redraws. Entering BIOS setup
// highlights the first item of the first menu; entering the OS login
// clears what was typed.
func (s *Screen) Set(m Machine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(m)
}

func (s *Screen) setLocked(m Machine) {
	if m.Phase != s.st.Phase {
		s.st.Menu, s.st.Item, s.st.Typed = 0, 0, ""
	}
	s.st.Machine = m
	s.redrawLocked()
}

// Follow keeps the screen in step with a simulated device: it calls watch
// for the machine's state and a channel closed on its next change, sets
// the state, and waits for the change, until ctx ends. It returns once the
// first state is shown; stop ends it and waits for its goroutine. Tests
// wire an amttest device with a func that maps its power and boot state.
func (s *Screen) Follow(ctx context.Context, watch func() (Machine, <-chan struct{})) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	m, changed := watch()
	s.Set(m)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
			}
			m, changed = watch()
			s.Set(m)
		}
	}()
	return func() { cancel(); <-done }
}

// State returns what the screen shows.
func (s *Screen) State() ScreenState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if st.Phase == PhaseBIOSSetup {
		st.MenuName, st.ItemName = biosMenus[st.Menu].name, biosMenus[st.Menu].items[st.Item]
	}
	return st
}

// Image returns a copy of the screen's pixels.
func (s *Screen) Image() *image.RGBA { return s.fb.Image() }

// Size returns the screen's width and height.
func (s *Screen) Size() (int, int) { return s.fb.Size() }

// X11 keysyms (RFC 6143 §7.5.4, X11 keysymdef.h).
const (
	keyBackSpace = 0xff08
	keyReturn    = 0xff0d
	keyEscape    = 0xff1b
	keyLeft      = 0xff51
	keyUp        = 0xff52
	keyRight     = 0xff53
	keyDown      = 0xff54
	keyF2        = 0xffbf
	keyF10       = 0xffc7
	keyDelete    = 0xffff
)

var biosMenus = []struct {
	name  string
	items []string
}{
	{"Main", []string{"System Information", "System Time", "System Date", "Language"}},
	{"Advanced", []string{"CPU Configuration", "Intel AMT", "Console Redirection", "USB Configuration"}},
	{"Boot", []string{"Boot Order", "Fast Boot", "Boot from IDE-R", "Network Boot"}},
	{"Security", []string{"Supervisor Password", "User Password", "Secure Boot"}},
	{"Exit", []string{"Save Changes and Exit", "Discard Changes and Exit", "Load Defaults"}},
}

// key handles a key event from a viewer.
func (s *Screen) key(down bool, sym uint32) {
	if !down {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	switch st.Phase {
	case PhasePOST:
		switch sym {
		case keyF2, keyDelete:
			s.setLocked(Machine{Phase: PhaseBIOSSetup})
		case keyReturn:
			s.setLocked(Machine{Phase: PhaseOS})
		}
	case PhaseBIOSSetup:
		n := len(biosMenus[st.Menu].items)
		switch sym {
		case keyUp:
			st.Item = (st.Item + n - 1) % n
		case keyDown:
			st.Item = (st.Item + 1) % n
		case keyLeft:
			st.Menu, st.Item = (st.Menu+len(biosMenus)-1)%len(biosMenus), 0
		case keyRight:
			st.Menu, st.Item = (st.Menu+1)%len(biosMenus), 0
		case keyF10:
			s.setLocked(Machine{Phase: PhaseOS})
			return
		case keyReturn:
			if st.Menu == len(biosMenus)-1 && st.Item <= 1 {
				s.setLocked(Machine{Phase: PhaseOS})
				return
			}
		default:
			return
		}
		s.redrawLocked()
	case PhaseOS:
		switch {
		case sym == keyBackSpace && st.Typed != "":
			st.Typed = st.Typed[:len(st.Typed)-1]
		case sym >= 0x20 && sym < 0x7f && len(st.Typed) < 32:
			st.Typed += string(rune(sym))
		default:
			return
		}
		s.redrawLocked()
	}
}

// pointer handles a pointer event: a left click on a BIOS menu item
// highlights it.
func (s *Screen) pointer(buttons uint8, x, y int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pressed := buttons&1 != 0 && s.buttons&1 == 0
	s.buttons = buttons
	if !pressed || s.st.Phase != PhaseBIOSSetup {
		return
	}
	row := y / (cellH * s.scale)
	if i := row - biosFirstItemRow; i >= 0 && i < len(biosMenus[s.st.Menu].items) {
		s.st.Item = i
		s.redrawLocked()
	}
}

// Colours of the screens (0x00RRGGBB).
const (
	black     uint32 = 0x000000
	white     uint32 = 0xffffff
	grey      uint32 = 0xaaaaaa
	biosBlue  uint32 = 0x0000aa
	yellow    uint32 = 0xffff55
	osBack    uint32 = 0x102030
	barGreen  uint32 = 0x00aa00
	boxBorder uint32 = 0xaa0000
)

// biosFirstItemRow is the text row of the first BIOS menu item.
const biosFirstItemRow = 5

// redrawLocked draws the state into the back buffer and copies the pixels
// that differ into the framebuffer, reporting their bounding box.
func (s *Screen) redrawLocked() {
	d := &drawer{pix: s.back, w: s.cfg.Width, h: s.cfg.Height, sc: s.scale}
	st := s.st
	host := s.cfg.HostName
	switch st.Phase {
	case PhaseOff:
		d.fill(d.bounds(), black)
	case PhasePOST:
		d.fill(d.bounds(), black)
		d.text(1, 1, "oobkit BIOS v1.0  (simulated firmware)", white, black)
		d.text(1, 3, "CPU: oobkit Virtual Core @ 3.00GHz", grey, black)
		d.text(1, 4, "Memory Test: 16384MB OK", grey, black)
		d.text(1, 5, "Intel(R) AMT: "+host, grey, black)
		d.text(1, d.rows()-2, "Press F2 or DEL to enter SETUP, ENTER to boot", yellow, black)
	case PhaseBIOSSetup:
		d.fill(d.bounds(), biosBlue)
		d.fill(d.rowRect(0, 1), grey)
		d.text(1, 0, "oobkit BIOS Setup Utility", biosBlue, grey)
		col := 1
		for i, m := range biosMenus {
			fg, bg := grey, biosBlue
			if i == st.Menu {
				fg, bg = biosBlue, white
			}
			d.text(col, 2, " "+m.name+" ", fg, bg)
			col += len(m.name) + 3
		}
		for i, it := range biosMenus[st.Menu].items {
			fg, bg := white, biosBlue
			if i == st.Item {
				fg, bg = biosBlue, yellow
			}
			d.text(2, biosFirstItemRow+i, " "+it+" ", fg, bg)
		}
		d.fill(d.rowRect(d.rows()-1, 1), grey)
		d.text(1, d.rows()-1, "UP/DOWN: select  LEFT/RIGHT: menu  F10: save and exit", biosBlue, grey)
	case PhaseBooting:
		dev := st.BootDevice
		if dev == "" {
			dev = "hdd"
		}
		d.fill(d.bounds(), black)
		d.text(1, 1, "Booting from "+dev+"...", white, black)
		p := min(max(st.Progress, 0), 100)
		barCols := max(d.cols()-4, 10)
		full := barCols * p / 100
		bar := image.Rect(2*cellW*s.scale, 3*cellH*s.scale, (2+barCols)*cellW*s.scale, 4*cellH*s.scale-2*s.scale)
		d.fill(bar, grey)
		d.fill(image.Rect(bar.Min.X, bar.Min.Y, bar.Min.X+full*cellW*s.scale, bar.Max.Y), barGreen)
	case PhaseOS:
		d.fill(d.bounds(), osBack)
		d.text(1, 1, "oobkit OS 1.0 ("+host+") tty1", white, osBack)
		d.text(1, 3, host+" login: "+st.Typed+"_", white, osBack)
	}
	if st.ConsentCode != "" {
		r := d.rowRect(d.rows()/2-2, 5)
		r.Min.X, r.Max.X = d.w/6, d.w-d.w/6
		d.fill(r, boxBorder)
		d.fill(r.Inset(2*s.scale), white)
		c0 := r.Min.X/(cellW*s.scale) + 2
		d.text(c0, d.rows()/2-1, "User consent code: "+st.ConsentCode, black, white)
	}
	s.fb.Update(func(pix []uint32, w, h int) image.Rectangle {
		minX, minY, maxX, maxY := w, h, -1, -1
		for y := range h {
			row, back := pix[y*w:(y+1)*w], s.back[y*w:(y+1)*w]
			for x := 0; x < w; x++ {
				if row[x] != back[x] {
					minX, maxX = min(minX, x), max(maxX, x)
					minY, maxY = min(minY, y), max(maxY, y)
				}
			}
		}
		if maxX < 0 {
			return image.Rectangle{}
		}
		r := image.Rect(minX, minY, maxX+1, maxY+1)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(pix[y*w+r.Min.X:y*w+r.Max.X], s.back[y*w+r.Min.X:y*w+r.Max.X])
		}
		return r
	})
}

// drawer draws text cells and rectangles into a pixel buffer.
type drawer struct {
	pix  []uint32
	w, h int
	sc   int
}

func (d *drawer) bounds() image.Rectangle { return image.Rect(0, 0, d.w, d.h) }
func (d *drawer) cols() int               { return d.w / (cellW * d.sc) }
func (d *drawer) rows() int               { return d.h / (cellH * d.sc) }

// rowRect is the full-width band of n text rows from row.
func (d *drawer) rowRect(row, n int) image.Rectangle {
	return image.Rect(0, row*cellH*d.sc, d.w, (row+n)*cellH*d.sc).Intersect(d.bounds())
}

func (d *drawer) fill(r image.Rectangle, c uint32) {
	r = r.Intersect(d.bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := d.pix[y*d.w+r.Min.X : y*d.w+r.Max.X]
		for i := range row {
			row[i] = c
		}
	}
}

// text draws str from text cell (col, row), cells filled with bg.
func (d *drawer) text(col, row int, str string, fg, bg uint32) {
	cw, ch := cellW*d.sc, cellH*d.sc
	for i, r := range []rune(str) {
		x0, y0 := (col+i)*cw, row*ch
		if x0+cw > d.w || y0+ch > d.h {
			return
		}
		d.fill(image.Rect(x0, y0, x0+cw, y0+ch), bg)
		g := glyph(r)
		oy := y0 + d.sc // one blank row above the glyph
		for gy := range glyphH {
			for gx := range glyphW {
				if g[gy*glyphW+gx] == '#' {
					d.fill(image.Rect(x0+gx*d.sc, oy+gy*d.sc, x0+(gx+1)*d.sc, oy+(gy+1)*d.sc), fg)
				}
			}
		}
	}
}
