package main

import (
	"os"
	"testing"
	"time"
)

func TestParseMemoryReadsRSSAndAnon(t *testing.T) {
	status := "Name:\tkaine\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 1299896 kB\n" +
		"VmRSS:\t   65172 kB\nRssAnon:\t   23012 kB\nRssFile:\t   42160 kB\nThreads:\t9\n"
	got, err := parseMemory(status)
	if err != nil {
		t.Fatal(err)
	}
	if want := (memory{RSS: 65172 << 10, Anon: 23012 << 10}); got != want {
		t.Errorf("parseMemory = %+v, want %+v", got, want)
	}
	if _, err := parseMemory("Name:\tkaine\nVmRSS:\t 1 kB\n"); err == nil {
		t.Error("a status without RssAnon parsed")
	}
}

func TestParseCPUTicksCountsAfterTheCommandName(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "4242 (kaine (x) y) S 1 4242 4242 0 -1 4194560 1595 0 0 0 731 142 0 0 20 0 9 0 123 1299896320 16293 18446744073709551615"
	got, err := parseCPUTicks(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 731+142 {
		t.Errorf("parseCPUTicks = %d, want utime+stime = %d", got, 731+142)
	}
	if _, err := parseCPUTicks("4242 (kaine) S 1 2"); err == nil {
		t.Error("a truncated stat line parsed")
	}
}

func TestParseMachineBusyTicksLeavesOutIdleAndIOWait(t *testing.T) {
	stat := "cpu  100 2 30 5000 40 5 6 7 0 0\ncpu0 50 1 15 2500 20 2 3 3 0 0\nintr 12345\n"
	got, err := parseMachineBusyTicks(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(100 + 2 + 30 + 5 + 6 + 7); got != want {
		t.Errorf("parseMachineBusyTicks = %d, want %d", got, want)
	}
}

func TestParseRunTimeReadsNanoseconds(t *testing.T) {
	got, err := parseRunTime("74170123 66800 2\n")
	if err != nil || got != 74170123*time.Nanosecond {
		t.Errorf("parseRunTime = %s, %v; want 74.170123ms", got, err)
	}
	if _, err := parseRunTime("74170123"); err == nil {
		t.Error("a truncated schedstat line parsed")
	}
}

func TestReadRunTimeCountsThisProcess(t *testing.T) {
	before, err := readRunTime(os.Getpid())
	if err != nil {
		t.Skipf("no schedstat here: %v", err)
	}
	for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); {
	}
	after, err := readRunTime(os.Getpid())
	if err != nil || after-before < 10*time.Millisecond {
		t.Errorf("20 ms of spinning counted %s (%v)", after-before, err)
	}
}
