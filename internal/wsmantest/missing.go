package wsmantest

import (
	"net/http"
	"strings"
)

// SetMissing makes the device lack the classes named (the last segment of
// the resource URI, e.g. "AMT_AgentPresenceWatchdog", "Win32_Battery"), as
// real firmware lacks classes other firmware has. Every request on such a
// class is answered as status says: 0 with a SOAP fault
// (DestinationUnreachable, "no such resource", as for any unknown resource
// URI), 400 or 500 with that bare HTTP status and no WS-Management body,
// as some firmware answers. A nil or empty list removes nothing.
func (s *Server) SetMissing(classes []string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing = map[string]bool{}
	for _, c := range classes {
		s.missing[c] = true
	}
	s.missingStatus = status
}

// lacks answers the request and returns true when resourceURI names a class
// the device lacks (see [Server.SetMissing]).
func (s *Server) lacks(w http.ResponseWriter, req *Request) bool {
	uri := req.ResourceURI
	class := uri[strings.LastIndexByte(uri, '/')+1:]
	s.mu.RLock()
	missing := class != "" && s.missing[class]
	status := s.missingStatus
	s.mu.RUnlock()
	if !missing {
		return false
	}
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return true
	}
	s.writeFault(w, req.Envelope, Fault("DestinationUnreachable", "no such resource: "+uri))
	return true
}
