package simfleet

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/redirect/redirecttest"
)

// Quarantine is what an AMT device saw of System Defense while it answered
// WS-Management requests: which requests it answered while a policy was
// active on its wired interface. It is read from the device, so it holds
// whichever process ran the job.
type Quarantine struct {
	// Served counts the requests answered while a policy was active, by
	// resource class ("CIM_Processor").
	Served map[string]int `json:"served,omitempty"`
	// PowerChanges counts the power-state changes requested while a policy
	// was active.
	PowerChanges int `json:"powerChanges"`
	// Applied counts the times a policy became active.
	Applied int `json:"applied"`
	// Active says a policy is active now.
	Active bool `json:"active"`
}

// amtHost serves one simulated AMT device on its own loopback listener and
// plays the host behind it: when the device powers the host on or resets it
// with IDE-R as the boot device, the host's firmware boots from the IDE-R
// drive of the redirection endpoint (redirecttest.Server.Reboot).
type amtHost struct {
	dev  *amttest.Device
	red  *redirecttest.Server
	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	mu          sync.Mutex
	changes     int // power changes already handled
	quarantine  Quarantine
	wasActive   bool
	bootReports []redirecttest.BootReport
}

// resourceRE finds a request's WS-Management resource URI.
var resourceRE = regexp.MustCompile(`ResourceURI[^>]*>\s*([^<\s]+)\s*<`)

// maxRequest bounds the request bodies the host reads (AMT's own limit is
// far lower).
const maxRequest = 1 << 20

func serveAMT(dev *amttest.Device, red *redirecttest.Server) (*amtHost, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &amtHost{dev: dev, red: red, ln: ln, done: make(chan struct{}), quarantine: Quarantine{Served: map[string]int{}}}
	h.srv = &http.Server{Handler: h, ConnState: dev.Handler().ConnState, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() {
		defer close(h.done)
		_ = h.srv.Serve(ln)
	}()
	return h, nil
}

func (h *amtHost) port() int { return h.ln.Addr().(*net.TCPAddr).Port }

func (h *amtHost) close() error {
	err := h.srv.Close()
	<-h.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// statusWriter remembers the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP answers as the device does, and notes what it answered while
// quarantined and whether the host has to boot.
func (h *amtHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	before := h.dev.ActivePolicy(amttest.Wired) != nil
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.dev.Handler().ServeHTTP(sw, r)
	after := h.dev.ActivePolicy(amttest.Wired) != nil

	h.mu.Lock()
	defer h.mu.Unlock()
	if after && !h.wasActive {
		h.quarantine.Applied++
	}
	h.wasActive = after
	changes := h.dev.PowerChanges()
	if sw.status == http.StatusOK && before && after {
		if m := resourceRE.FindSubmatch(body); m != nil {
			uri := string(m[1])
			h.quarantine.Served[uri[strings.LastIndexByte(uri, '/')+1:]]++
		}
		if changes > h.changes {
			h.quarantine.PowerChanges += changes - h.changes
		}
	}
	if changes > h.changes {
		h.changes = changes
		if h.dev.PowerState().IsOn() && strings.HasPrefix(h.dev.BootState().LastBoot, "ider-") {
			h.red.Reboot()
		}
	}
}

// observed returns a copy of the quarantine record.
func (h *amtHost) observed() Quarantine {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.quarantine
	q.Served = make(map[string]int, len(h.quarantine.Served))
	for k, v := range h.quarantine.Served {
		q.Served[k] = v
	}
	q.Active = h.dev.ActivePolicy(amttest.Wired) != nil
	return q
}

// boots returns every IDE-R boot the host's firmware has run so far.
func (h *amtHost) boots() []redirecttest.BootReport {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		select {
		case rep := <-h.red.Boots():
			h.bootReports = append(h.bootReports, rep)
		default:
			return append([]redirecttest.BootReport(nil), h.bootReports...)
		}
	}
}
