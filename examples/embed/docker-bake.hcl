// The Go image embeds what the web target builds: contexts = { web =
// "target:web" } hands web's output to the Gopherfile's sources: entry.
//
//   docker buildx bake -f docker-bake.hcl app --set app.output=type=oci,dest=app.tar

target "web" {
  context    = "ui"
  dockerfile = "Dockerfile"
}

target "app" {
  context    = "."
  dockerfile = "Gopherfile"
  contexts   = { web = "target:web" }
  tags       = ["gopherfile-examples/embed:dev"]
}
