// gogzip compresses each named file with Go's compress/gzip at the given level and writes
// FILE.LEVEL.gz beside it: the reference output GoGzipOutputStreamTest compares Strata's bytes with.
// Usage: gogzip LEVEL FILE...
package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strconv"
)

func main() {
	level, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fail(err)
	}
	for _, name := range os.Args[2:] {
		if err := compress(name, level); err != nil {
			fail(err)
		}
	}
}

func compress(name string, level int) error {
	in, err := os.Open(name)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(fmt.Sprintf("%s.%d.gz", name, level))
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(out, level)
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
	fmt.Fprintln(os.Stderr, "gogzip:", err)
	os.Exit(1)
}
