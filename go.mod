module tarazy

go 1.26.0

require (
	github.com/fsnotify/fsnotify v1.10.1
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/go-pdf/fpdf v0.9.0

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/sys v0.48.0 // indirect
	pgregory.net/rapid v1.3.0
)
