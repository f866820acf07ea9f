// Command server is an HTTP service: it answers /hello and /healthz, and with
// -health it checks a running server (the image's health check uses that, so
// the image needs no curl).
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

var version = "dev"

func main() {
	addr := flag.String("listen", ":8080", "address to listen on")
	health := flag.Bool("health", false, "check the server at -listen and exit 0 if it is healthy")
	flag.Parse()
	if *health {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://127.0.0.1" + *addr + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		fmt.Println("healthy")
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from server %s (uid %d)\n", version, os.Getuid())
	})
	log.Printf("server %s listening on %s", version, *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
