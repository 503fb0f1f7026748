package worker

import (
	"fmt"
	"io"
	"strings"
)

// The words the worker says to the people at the scanner, each in one place so that
// they can be given in Kazakh and Russian by their name later (the i18n package).

// msgNotASheet is the .why.txt of a file the reader could not handle at all.
func msgNotASheet(err error) string {
	return fmt.Sprintf("the file is not a readable answer sheet: %v", err)
}

// msgStoppedReader is the .why.txt of a file the worker died reading.
func msgStoppedReader(attempts int) string {
	return fmt.Sprintf("this file stopped the reader: the worker ended while reading it (%d time(s)). "+
		"It is set aside so that the rest of the batch goes on. If it is an answer sheet, scan it again; "+
		"keep this copy for whoever maintains tarazy.", attempts)
}

// msgUnopenable is the .why.txt of a file that could not be opened.
func msgUnopenable(err error) string {
	return fmt.Sprintf("the file could not be opened: %v", err)
}

// msgDamagedInSpool is why a spooled page is set aside.
func msgDamagedInSpool(err error) string {
	return fmt.Sprintf("the spooled page is damaged: %v", err)
}

// msgUndelivered is the error when the sink stayed down past the drain time.
func msgUndelivered(n int, err error) string {
	return fmt.Sprintf("%d pages could not be delivered yet (%v); they stay in the spool and go out on the next run", n, err)
}

// Describe is the one-line progress of a batch.
func Describe(st Stats) string {
	return fmt.Sprintf("seen %d · read %d · review %d · rejected %d · delivered %d · waiting %d · %.1f pages/s",
		st.Seen, st.Pages, st.Review, st.Rejected, st.Delivered, st.Pending, st.PagesPerSecond())
}

// Summary is what a batch's run says at the end.
type Summary struct {
	Batch      Batch
	Stats      Stats
	Where      string // where the pages went: a server URL or a database
	Outcomes   string // what the sink made of them
	Quarantine string
	Spool      string
}

// Write prints the summary for the operator.
func (s Summary) Write(w io.Writer) {
	b, st := s.Batch, s.Stats
	var out strings.Builder
	fmt.Fprintf(&out, "batch %q (operator %s, scanner %s)\n", b.Name, b.Operator, b.Scanner)
	fmt.Fprintf(&out, "  files %d, pages read %d in %.1fs (%.1f pages/s)\n", st.Seen, st.Pages, st.Elapsed.Seconds(), st.PagesPerSecond())
	fmt.Fprintf(&out, "  ok %d, to review %d, rejected %d, already read before %d\n", st.OK, st.Review, st.Rejected, st.Duplicates)
	fmt.Fprintf(&out, "  delivered %d to %s in %d request(s) (%s)\n", st.Delivered, s.Where, st.Deliveries, s.Outcomes)
	if st.Rejected > 0 {
		fmt.Fprintf(&out, "  rejected files are in %s, each with a .why.txt\n", s.Quarantine)
	}
	if st.Pending > 0 {
		fmt.Fprintf(&out, "  %d page(s) wait in the spool %s and go out on the next run\n", st.Pending, s.Spool)
	}
	if st.Failed > 0 {
		fmt.Fprintf(&out, "  %d page(s) were refused; see %s/failed/*.why.txt\n", st.Failed, s.Spool)
	}
	io.WriteString(w, out.String())
}
