package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// memory is a process's resident memory, in bytes.
type memory struct {
	RSS  int64 `json:"rss_bytes"`
	Anon int64 `json:"rss_anon_bytes"` // without file pages: the binary's text, bbolt's mmap
}

// readMemory returns the resident memory of process pid.
func readMemory(pid int) (memory, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("reading the gateway's memory: %w", err)
	}
	return parseMemory(string(status))
}

// parseMemory reads the VmRSS and RssAnon lines ("VmRSS:	   41236 kB") of
// a /proc/<pid>/status file.
func parseMemory(status string) (memory, error) {
	var m memory
	fields := map[string]*int64{"VmRSS:": &m.RSS, "RssAnon:": &m.Anon}
	found := 0
	lines := bufio.NewScanner(strings.NewReader(status))
	for lines.Scan() {
		words := strings.Fields(lines.Text())
		if len(words) == 0 {
			continue
		}
		field, ok := fields[words[0]]
		if !ok {
			continue
		}
		if len(words) != 3 || words[2] != "kB" {
			return m, fmt.Errorf("/proc status line %q: want a number of kB", lines.Text())
		}
		kb, err := strconv.ParseInt(words[1], 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc status line %q: %w", lines.Text(), err)
		}
		*field = kb << 10
		found++
	}
	if found != len(fields) {
		return m, errors.New("/proc status: no VmRSS or no RssAnon line")
	}
	return m, nil
}

// readCPUTicks returns the CPU time process pid has used, user and system,
// in clock ticks.
func readCPUTicks(pid int) (int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
	}
	return parseCPUTicks(string(stat))
}

// parseCPUTicks adds utime and stime, fields 14 and 15 of a /proc/<pid>/stat
// line. Fields are counted after the command name's closing parenthesis,
// since the name itself may hold spaces and parentheses.
func parseCPUTicks(stat string) (int64, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("/proc stat %q: no command name", stat)
	}
	fields := strings.Fields(stat[end+1:]) // fields[0] is field 3, the state
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("/proc stat %q: too few fields", stat)
	}
	var ticks int64
	for _, i := range []int{utime, stime} {
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat field %d: %w", i+3, err)
		}
		ticks += n
	}
	return ticks, nil
}

// readRunTime returns how long process pid's threads have run, the sum of
// the first field of each /proc/<pid>/task/<tid>/schedstat: in
// nanoseconds, where /proc/<pid>/stat counts clock ticks (10 ms), coarse
// for a step of a few hundred streams of 2 ms each. A thread that exited
// takes its time with it; a Go program keeps its threads.
func readRunTime(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("reading the threads of process %d: %w", pid, err)
	}
	var total time.Duration
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join(dir, task.Name(), "schedstat"))
		if errors.Is(err, fs.ErrNotExist) && total > 0 {
			continue // the thread ended since the listing
		}
		if err != nil {
			return 0, fmt.Errorf("reading the run time of process %d: %w", pid, err)
		}
		ran, err := parseRunTime(string(stat))
		if err != nil {
			return 0, err
		}
		total += ran
	}
	return total, nil
}

// parseRunTime reads the first field of a schedstat line, "ran waited
// timeslices": the nanoseconds the thread has run.
func parseRunTime(stat string) (time.Duration, error) {
	fields := strings.Fields(stat)
	if len(fields) != 3 {
		return 0, fmt.Errorf("schedstat %q: want three fields", stat)
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schedstat %q: %w", stat, err)
	}
	return time.Duration(ns), nil
}

// readMachineBusyTicks returns the CPU time all CPUs of the machine have
// spent busy, in clock ticks.
func readMachineBusyTicks() (int64, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("reading the machine's CPU time: %w", err)
	}
	return parseMachineBusyTicks(string(stat))
}

// parseMachineBusyTicks adds the busy columns of /proc/stat's "cpu" line:
// user, nice, system, irq, softirq and steal (guest time is inside user),
// leaving out idle and iowait.
func parseMachineBusyTicks(stat string) (int64, error) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat first line %q: want the cpu totals", line)
	}
	var ticks int64
	for _, column := range []int{1, 2, 3, 6, 7, 8} { // user nice system [idle iowait] irq softirq steal
		n, err := strconv.ParseInt(fields[column], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat cpu column %d: %w", column, err)
		}
		ticks += n
	}
	return ticks, nil
}

// clockTicksPerSecond is the unit of /proc/<pid>/stat's CPU times: what
// `getconf CLK_TCK` says, else 100, the value on every common Linux.
func clockTicksPerSecond() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	hz, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil || hz <= 0 {
		return 100
	}
	return hz
}
