package polaristest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// apiserverLog is the server's API log with its shipped logging options: at
// level info it has one line per request of the gRPC Discover stream.
const apiserverLog = "log/runtime/polaris-apiserver.log"

// DiscoverRequests counts the requests of the gRPC Discover stream (what
// polaris-go and driver-polaris' resolvers send) that the server logged for
// each of services, read from its API log. The counts cover the server's life
// in its directory, restarts included.
func (s *Server) DiscoverRequests(services ...string) (map[string]int, error) {
	want := make(map[string]string, len(services))
	for _, svc := range services {
		// The request is logged in protobuf's text form, name:<value:"svc" >,
		// normalised by norm.
		want[`name:<value:"`+svc+`">`] = svc
	}
	counts := make(map[string]int, len(services))
	f, err := os.Open(filepath.Join(s.dir, apiserverLog))
	if err != nil {
		return nil, fmt.Errorf("polaristest: the server's API log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		_, rest, ok := strings.Cut(line, "receive grpc discover request: ")
		if !ok {
			continue
		}
		rest = norm.Replace(rest)
		for pat, svc := range want {
			if strings.Contains(rest, pat) {
				counts[svc]++
				break
			}
		}
	}
	return counts, sc.Err()
}

// norm removes what varies between protobuf's text forms.
var norm = strings.NewReplacer(" ", "", "{", "<", "}", ">", `\`, "")

// clockTicks is the unit of the CPU times in /proc/<pid>/stat (USER_HZ), 100
// on every Linux architecture Go supports.
const clockTicks = 100

// CPUTime returns the CPU time (user and system) the running server process
// has used, from /proc (Linux only).
func (s *Server) CPUTime() (time.Duration, error) {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return 0, errors.New("polaristest: the server is not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("polaristest: the server's CPU time: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces: the
	// fields after its closing parenthesis start at field 3, the state.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("polaristest: unexpected /proc stat %q", b)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("polaristest: unexpected /proc stat %q", b)
	}
	// utime and stime are fields 14 and 15, so 11 and 12 after the state.
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("polaristest: unexpected /proc stat %q", b)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
