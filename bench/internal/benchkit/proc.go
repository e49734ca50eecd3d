package benchkit

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Usage is a snapshot of this process: CPU time used so far, live heap, bytes
// allocated so far and goroutines.
type Usage struct {
	CPU        time.Duration
	HeapInuse  uint64
	TotalAlloc uint64
	Goroutines int
}

// ReadUsage takes a snapshot; with gc it first collects garbage twice, so that
// HeapInuse is the live heap.
func ReadUsage(gc bool) Usage {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Usage{
		CPU:        time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		HeapInuse:  ms.HeapInuse,
		TotalAlloc: ms.TotalAlloc,
		Goroutines: runtime.NumGoroutine(),
	}
}

// ChildEnv names the environment variable that turns a test binary into a
// child process of a scale benchmark: its value is the child's mode.
const ChildEnv = "DTMDRIVERS_BENCH_CHILD"

// Child is a copy of the running test binary started by a scale benchmark, so
// that what it measures of itself (heap, goroutines, CPU) is the resolving
// client's alone, without the registry that runs in the benchmark's process.
// It talks in lines: the child writes "child: <words>" lines on its stdout and
// reads commands on its stdin.
type Child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	done  chan error
}

// StartChild runs the test binary with -test.run set to the child's test and
// ChildEnv=mode, plus env ("KEY=value").
func StartChild(b *testing.B, test, mode string, env ...string) *Child {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.bench=^$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), ChildEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &Child{cmd: cmd, in: in, lines: make(chan string, 16), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "child: "); ok {
				c.lines <- rest
			}
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	b.Cleanup(func() {
		_ = in.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return c
}

// Send writes one command line to the child.
func (c *Child) Send(b *testing.B, line string) {
	b.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		b.Fatalf("child: %v", err)
	}
}

// Expect reads the child's next line, which must start with word, and returns
// its key=value fields.
func (c *Child) Expect(b *testing.B, word string, timeout time.Duration) map[string]float64 {
	b.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			b.Fatalf("child ended (%v) before %q", <-c.done, word)
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != word {
			b.Fatalf("child said %q, want %q", line, word)
		}
		kv := map[string]float64{}
		for _, w := range f[1:] {
			k, v, _ := strings.Cut(w, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("child said %q: %v", line, err)
			}
			kv[k] = x
		}
		return kv
	case <-time.After(timeout):
		b.Fatalf("child said nothing within %v (waiting for %q)", timeout, word)
	}
	return nil
}

// Say writes a line for the parent, from the child.
func Say(format string, args ...any) {
	fmt.Printf("child: "+format+"\n", args...)
}

// Commands reads the parent's command lines, in the child.
func Commands() <-chan string {
	ch := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	return ch
}
