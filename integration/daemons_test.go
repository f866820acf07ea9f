//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// The other daemons of the test environment (hack/up.sh starts them): the
// Docker Engine and the older buildkitd.
var (
	dockerHost   = os.Getenv("GF_DOCKER_HOST")
	dockerConfig = os.Getenv("GF_DOCKER_CONFIG")
	oldAddr      = os.Getenv("GF_OLD_BUILDKIT_ADDR")
	oldBuilder   = os.Getenv("GF_OLD_BUILDX_BUILDER")
	oldVersion   = os.Getenv("OLD_BUILDKIT_VERSION")
)

// dockerEnv points the docker CLI at the test Docker Engine, with a CLI config
// of its own (no builder selected: docker build uses the engine's BuildKit).
func dockerEnv() []string {
	return []string{"DOCKER_HOST=" + dockerHost, "DOCKER_CONFIG=" + dockerConfig}
}

// requireDocker fails the test when the test Docker Engine does not answer:
// the docker tests never skip.
func requireDocker(t *testing.T) {
	t.Helper()
	if dockerHost == "" || dockerConfig == "" {
		t.Fatal("GF_DOCKER_HOST/GF_DOCKER_CONFIG unset: run the tests with `make test` (hack/up.sh starts dockerd)")
	}
	out, err := dockerStdout(t, "", "version", "--format", "{{.Server.Version}}")
	if err != nil {
		t.Fatalf("the test Docker Engine at %s does not answer (run hack/up.sh): %v\n%s", dockerHost, err, out)
	}
}

// docker runs the docker CLI against the test Docker Engine.
func docker(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, dockerEnv(), "docker", args...)
}

// dockerStdout runs the docker CLI and returns only its standard output
// (docker run prints the engine's warnings on stderr).
func dockerStdout(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), dockerEnv()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("docker %s: %s", strings.Join(args, " "), errString(err))
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// requireOldBuildKit fails the test when the older buildkitd does not answer.
func requireOldBuildKit(t *testing.T) {
	t.Helper()
	if oldAddr == "" || oldBuilder == "" {
		t.Fatal("GF_OLD_BUILDKIT_ADDR/GF_OLD_BUILDX_BUILDER unset: run the tests with `make test` (hack/up.sh starts the older buildkitd)")
	}
	c, err := client.New(context.Background(), oldAddr)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = c.ListWorkers(ctx)
		cancel()
		c.Close()
	}
	if err != nil {
		t.Fatalf("the older buildkitd at %s does not answer (run hack/up.sh): %v", oldAddr, err)
	}
}

// cliAt runs the gopherfile CLI against the buildkitd at a.
func cliAt(t *testing.T, a, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, nil, cliBin, append([]string{"build", "--addr", a}, args...)...)
}

// buildxOn runs docker buildx build on a builder.
func buildxOn(t *testing.T, b, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, nil, "docker", append([]string{"buildx", "build", "--builder", b}, args...)...)
}

// startBuildkitd starts a buildkitd of its own, with an empty root (no cache
// at all) and the test registry mirrors, and stops it when the test ends. It
// returns its address.
func startBuildkitd(t *testing.T, binary string) string {
	t.Helper()
	root, err := os.MkdirTemp(os.Getenv("GF_STATE"), "test-buildkitd-")
	if err != nil {
		t.Fatal(err)
	}
	a := "unix://" + filepath.Join(root, "buildkitd.sock")
	port := os.Getenv("GF_REGISTRY_PORT")
	conf := fmt.Sprintf(`root = %q
[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["localhost:%[2]s"]
[registry."gcr.io"]
  mirrors = ["localhost:%[2]s"]
[registry."localhost:%[2]s"]
  http = true
[registry."127.0.0.1:%[2]s"]
  http = true
`, filepath.Join(root, "state"), port)
	writeFile(t, filepath.Join(root, "buildkitd.toml"), conf)
	logf, err := os.Create(filepath.Join(root, "buildkitd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "--config", filepath.Join(root, "buildkitd.toml"), "--addr", a, "--oci-worker-net=host")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", binary, err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(root)
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := client.New(context.Background(), a)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err = c.ListWorkers(ctx)
			cancel()
			c.Close()
		}
		if err == nil {
			return a
		}
		if time.Now().After(deadline) {
			dt, _ := os.ReadFile(logf.Name())
			t.Fatalf("the fresh buildkitd did not come up: %v\n%s", err, tail(string(dt), 30))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// registryDigest is the digest the test registry serves for repo:tag.
func registryDigest(t *testing.T, repo, tag string) string {
	t.Helper()
	req, _ := http.NewRequest("HEAD", "http://"+registry+"/v2/"+repo+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the test registry has no %s:%s (%s): run hack/frontend-image.sh", repo, tag, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}
