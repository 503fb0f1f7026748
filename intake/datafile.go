package intake

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileError is one problem in a catalogue or calendar file, with the line it is on, so
// the person who edited the file can find and fix it.
type FileError struct {
	File   string
	Line   int // 0 when the problem is the file as a whole
	Reason string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// FileErrors is every problem found in one file; a malformed file is rejected whole.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ErrInvalidFile is matched by errors.Is for every FileErrors.
var ErrInvalidFile = errors.New("invalid data file")

func (es FileErrors) Is(target error) bool { return target == ErrInvalidFile }

var lineRE = regexp.MustCompile(`line (\d+): (.*)`)
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type \S+`)

// decodeFile decodes a YAML data file strictly (unknown keys are errors, so a typo never
// silently drops a rule) and returns an index from value paths such as
// "services[2].documents[0].id" to lines, for the checks that come after decoding.
func decodeFile(name string, data []byte, v any) (lines, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, FileErrors{yamlError(name, err.Error())}
	}
	if len(root.Content) == 0 {
		return nil, FileErrors{{File: name, Reason: "the file is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var es FileErrors
			for _, msg := range te.Errors {
				es = append(es, yamlError(name, msg))
			}
			return nil, es
		}
		return nil, FileErrors{yamlError(name, err.Error())}
	}
	idx := lines{}
	idx.walk("", root.Content[0])
	return idx, nil
}

func yamlError(name, msg string) *FileError {
	msg = strings.TrimPrefix(msg, "yaml: ")
	fe := &FileError{File: name, Reason: msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Reason = m[2]
	}
	if m := unknownFieldRE.FindStringSubmatch(fe.Reason); m != nil {
		fe.Reason = fmt.Sprintf("unknown key %q (a typo? see the comments at the top of the built-in file for the keys allowed)", m[1])
	}
	if strings.HasPrefix(fe.Reason, "cannot unmarshal") {
		fe.Reason = "wrong kind of value: " + fe.Reason
	}
	return fe
}

// lines maps a value path to the line it starts on.
type lines map[string]int

func (l lines) walk(path string, n *yaml.Node) {
	l[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			p := key
			if path != "" {
				p = path + "." + key
			}
			l.walk(p, n.Content[i+1])
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			l.walk(fmt.Sprintf("%s[%d]", path, i), c)
		}
	}
}

// line finds the line of path, or of its nearest ancestor present in the file.
func (l lines) line(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return l[""]
}

// checker gathers the problems that decoding cannot see (a bad date, a repeated id).
type checker struct {
	file  string
	lines lines
	errs  FileErrors
}

func (c *checker) errf(path, format string, args ...any) {
	c.errs = append(c.errs, &FileError{File: c.file, Line: c.lines.line(path), Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}
