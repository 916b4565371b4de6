package wsmansim_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/oobkit/oobkit/wsmansim"
)

// A Host serves many devices on one listener; the Host header picks one,
// and a blackholed address hangs until the caller's deadline.
func ExampleHost() {
	h := wsmansim.NewHost()
	if err := h.Start(); err != nil {
		panic(err)
	}
	defer h.Close()
	h.Add("127.0.0.1:20001", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "device one")
	}))
	tr := h.Transport()
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://127.0.0.1:20001/wsman", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, h.Connections())
	// Output: 200 1
}
