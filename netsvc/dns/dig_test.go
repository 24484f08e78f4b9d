package dnssvc

import (
	"bufio"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var digStatus = regexp.MustCompile(`status: ([A-Z]+),`)

// TestDig sends every lookup case with Debian's dig (bind9-dnsutils), over
// UDP and TCP, and compares its answer and authority sections.
func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Fatalf("dig not on PATH: install bind9-dnsutils (apt-get install bind9-dnsutils): %v", err)
	}
	svcs, pods := fixture()
	addr := startServer(t, NewHandler(Build(testCfg, 7, svcs, pods), Options{}))
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, transport := range []string{"+notcp", "+tcp"} {
		for _, c := range lookupCases {
			t.Run(strings.TrimPrefix(transport, "+")+"/"+c.name, func(t *testing.T) {
				out, err := exec.Command(dig, "@"+host, "-p", port, transport, "+time=5", "+tries=1",
					"+noall", "+comments", "+answer", "+authority", c.qname, dns.TypeToString[c.qtype]).CombinedOutput()
				if err != nil {
					t.Fatalf("dig: %v\n%s", err, out)
				}
				var status string
				var section string
				got := map[string][]dns.RR{}
				sc := bufio.NewScanner(strings.NewReader(string(out)))
				for sc.Scan() {
					line := strings.TrimSpace(sc.Text())
					switch {
					case line == "":
					case strings.HasPrefix(line, ";; ->>HEADER<<-"):
						if m := digStatus.FindStringSubmatch(line); m != nil {
							status = m[1]
						}
					case strings.HasPrefix(line, ";; ") && strings.HasSuffix(line, "SECTION:"):
						section = strings.Fields(line)[1]
					case strings.HasPrefix(line, ";"):
					default:
						rr, err := dns.NewRR(line)
						if err != nil {
							t.Fatalf("dig printed %q: %v", line, err)
						}
						got[section] = append(got[section], rr)
					}
				}
				if want := dns.RcodeToString[c.rcode]; status != want {
					t.Errorf("status: got %q, want %q\n%s", status, want, out)
				}
				if d := diff(strs(got["ANSWER"]), rrs(t, c.answer...)); d != "" {
					t.Errorf("answer:\n%s", d)
				}
				if d := diff(strs(got["AUTHORITY"]), rrs(t, c.ns...)); d != "" {
					t.Errorf("authority:\n%s", d)
				}
			})
		}
	}
}
