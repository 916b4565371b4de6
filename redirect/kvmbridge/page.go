package kvmbridge

import (
	"net/http"
)

// page is the browser console: noVNC's RFB client from /novnc/ (the npm
// package @novnc/novnc, installed by scripts/novnc.sh, never committed)
// connected to /websockify with the token from the page's own URL.
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>oobkit KVM</title>
<style>html,body{margin:0;height:100%;background:#202020}#screen{width:100%;height:100%}</style>
</head><body><div id="screen"></div>
<script type="module">
import RFB from './novnc/core/rfb.js';
const token = new URLSearchParams(location.search).get('token') || '';
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/websockify?token=' + encodeURIComponent(token);
const rfb = new RFB(document.getElementById('screen'), url);
rfb.scaleViewport = false;
rfb.addEventListener('connect', () => { document.title = 'oobkit KVM: connected'; });
rfb.addEventListener('disconnect', (e) => { document.title = 'oobkit KVM: disconnected'; });
window.oobkitRFB = rfb;
</script></body></html>
`

// Handler returns the browser console: the page at "/", noVNC's files
// from noVNCDir (the @novnc/novnc package directory) at "/novnc/", and
// b's WebSocket at "/websockify". Open "/?token=" + b.Token().
func Handler(b *Bridge, noVNCDir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(page))
	})
	mux.Handle("GET /novnc/", http.StripPrefix("/novnc/", http.FileServer(http.Dir(noVNCDir))))
	mux.Handle("/websockify", b)
	return mux
}
