// docker buildx bake targets for Gopherfile: the frontend image and the examples.
// The example targets show how a Go team writes its own: context = the module,
// dockerfile = "Gopherfile".
//
//   docker buildx bake frontend                  # the frontend image (amd64 + arm64)
//   docker buildx bake examples                  # every example image
//   docker buildx bake hello --set hello.output=type=oci,dest=hello.tar
//   docker buildx bake multi-images              # one image per binary (a matrix)

variable "FRONTEND_IMAGE" {
  default = "localhost:5055/gopherfile/frontend:dev"
}

variable "VERSION" {
  default = "dev"
}

// CA_BUNDLE: a CA bundle for a TLS-intercepting proxy, used while the frontend
// image downloads its Go modules (empty: none).
variable "CA_BUNDLE" {
  default = ""
}

group "default" {
  targets = ["frontend"]
}

group "examples" {
  targets = ["hello", "server", "multi", "multi-images", "cgo", "vendor", "workspace", "generate", "embed", "vulncheck"]
}

target "frontend" {
  context    = "."
  dockerfile = "Dockerfile"
  tags       = [FRONTEND_IMAGE]
  platforms  = ["linux/amd64", "linux/arm64"]
  args = {
    VERSION = VERSION
  }
  secret = CA_BUNDLE != "" ? ["id=cacert,src=${CA_BUNDLE}"] : []
}

// _gopherfile is what every Go image target inherits.
target "_gopherfile" {
  dockerfile = "Gopherfile"
}

target "hello" {
  inherits = ["_gopherfile"]
  context  = "examples/hello"
  tags     = ["gopherfile-examples/hello:dev"]
}

target "server" {
  inherits = ["_gopherfile"]
  context  = "examples/server"
  args     = { VERSION = VERSION }
  tags     = ["gopherfile-examples/server:dev"]
}

target "multi" {
  inherits  = ["_gopherfile"]
  context   = "examples/multi"
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["gopherfile-examples/multi:dev"]
}

// multi-images builds one image per binary of the multi example: every build
// of a Gopherfile is a target (--target api) whose image holds that binary
// alone, as its entrypoint. The matrix makes the targets multi-api and
// multi-worker; `docker buildx build --call targets` lists a module's builds.
group "multi-images" {
  targets = ["multi-bin"]
}

target "multi-bin" {
  name      = "multi-${bin}"
  matrix    = { bin = ["api", "worker"] }
  inherits  = ["_gopherfile"]
  context   = "examples/multi"
  target    = bin
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["gopherfile-examples/${bin}:dev"]
}

// generate runs go generate with a go.mod tool (stringer) during the build.
target "generate" {
  inherits = ["_gopherfile"]
  context  = "examples/generate"
  tags     = ["gopherfile-examples/generate:dev"]
}

// embed's binary embeds what embed-web builds: the Gopherfile's sources:
// copies the context web (here the output of embed-web) to web/.
target "embed-web" {
  context    = "examples/embed/ui"
  dockerfile = "Dockerfile"
}

target "embed" {
  inherits = ["_gopherfile"]
  context  = "examples/embed"
  contexts = { web = "target:embed-web" }
  tags     = ["gopherfile-examples/embed:dev"]
}

target "cgo" {
  inherits = ["_gopherfile"]
  context  = "examples/cgo"
  tags     = ["gopherfile-examples/cgo:dev"]
}

target "vendor" {
  inherits = ["_gopherfile"]
  context  = "examples/vendor"
  tags     = ["gopherfile-examples/vendor:dev"]
}

// The workspace example builds from the go.work root; module: app in its
// Gopherfile names the main module.
target "workspace" {
  inherits = ["_gopherfile"]
  context  = "examples/workspace"
  tags     = ["gopherfile-examples/workspace:dev"]
}

// vulncheck builds the vulncheck example: govulncheck runs in the image build
// (vulncheck: fail) with the database from the module proxy.
target "vulncheck" {
  inherits = ["_gopherfile"]
  context  = "examples/vulncheck"
  tags     = ["gopherfile-examples/vulncheck:dev"]
}

// vulncheck-reports exports its govulncheck reports (JSON, SARIF, OpenVEX):
// docker buildx bake vulncheck-reports
target "vulncheck-reports" {
  inherits = ["_gopherfile"]
  context  = "examples/vulncheck"
  target   = "vulncheck"
  output   = ["type=local,dest=vulncheck-reports"]
}

// lint checks a Gopherfile the way --call check does: docker buildx bake lint
target "lint" {
  inherits = ["_gopherfile"]
  context  = "examples/server"
  call     = "check"
}

// test runs go test for the server example and exports test.json, junit.xml
// and test.txt: docker buildx bake test
target "test" {
  inherits = ["_gopherfile"]
  context  = "examples/server"
  target   = "test"
  output   = ["type=local,dest=test-results/server"]
}
