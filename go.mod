module tarazy

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/go-pdf/fpdf v0.9.0
