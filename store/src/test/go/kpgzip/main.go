// kpgzip compresses each named file with klauspost/compress's gzip or with klauspost/pgzip (Debian's
// packages, GOPATH mode) at the given level and writes FILE.MODE.LEVEL.gz beside it: the reference
// output the klauspost ports' tests compare Strata's bytes with. pgzip256k is pgzip with 256 KiB
// blocks, as umoci 0.4.7 sets it.
// Usage: kpgzip gzip|pgzip|pgzip256k LEVEL FILE...
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

func main() {
	if len(os.Args) < 3 {
		fail(fmt.Errorf("usage: kpgzip gzip|pgzip|pgzip256k LEVEL FILE..."))
	}
	mode := os.Args[1]
	level, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail(err)
	}
	for _, name := range os.Args[3:] {
		if err := compress(mode, name, level); err != nil {
			fail(err)
		}
	}
}

func compress(mode, name string, level int) error {
	in, err := os.Open(name)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(fmt.Sprintf("%s.%s.%d.gz", name, mode, level))
	if err != nil {
		return err
	}
	var zw io.WriteCloser
	switch mode {
	case "gzip":
		zw, err = kgzip.NewWriterLevel(out, level)
	case "pgzip":
		// what containers/image does: NewWriterLevel with the default concurrency
		zw, err = pgzip.NewWriterLevel(out, level)
	case "pgzip256k":
		// what umoci 0.4.7 does (oci/layer, mutate): 256 KiB blocks, 2 per CPU in flight
		var pw *pgzip.Writer
		if pw, err = pgzip.NewWriterLevel(out, level); err == nil {
			err = pw.SetConcurrency(256<<10, 2*runtime.NumCPU())
		}
		zw = pw
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		return err
	}
	// Odd-sized writes: the output must not depend on how the input is cut.
	buf := make([]byte, 7919)
	if _, err := io.CopyBuffer(zw, in, buf); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kpgzip:", err)
	os.Exit(1)
}
