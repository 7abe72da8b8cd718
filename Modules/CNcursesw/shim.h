#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

// SwiftPM drops the -D flags pkg-config gives, so ask for the wide-character API here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/ioctl.h>
#include <curses.h>

// wcwidth is declared only under _XOPEN_SOURCE in <wchar.h>; declare it for Swift.
extern int wcwidth(wchar_t c);

// Macros and globals Swift cannot import (or refuses as shared mutable state), as functions.
static inline WINDOW *CNcursesw_stdscr(void) { return stdscr; }
static inline void CNcursesw_set_escdelay(int ms) { ESCDELAY = ms; }
static inline int CNcursesw_colors(void) { return COLORS; }

static inline attr_t CNcursesw_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t CNcursesw_A_BOLD(void) { return A_BOLD; }
static inline attr_t CNcursesw_A_DIM(void) { return A_DIM; }
static inline attr_t CNcursesw_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t CNcursesw_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline mmask_t CNcursesw_BUTTON4_PRESSED(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t CNcursesw_BUTTON5_PRESSED(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t CNcursesw_BUTTON5_PRESSED(void) { return 0; }
#endif

// newterm on the process's standard streams (stdin and stdout are globals Swift 6 refuses);
// unlike initscr it returns NULL instead of exiting when the terminal cannot be used.
static inline SCREEN *CNcursesw_newterm(void) { return newterm(NULL, stdout, stdin); }

// The terminal's size from the kernel, for resizeterm after SIGWINCH (ioctl is variadic).
static inline int CNcursesw_window_size(int fd, int *rows, int *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

// Direct output for the clusters curses cannot book (see Terminal.swift, "Overlays"). putp and
// vid_attr write through stdio's stdout, after what doupdate wrote itself; CNcursesw_overlay_end
// flushes it. tiparm is variadic, hence the wrapper.
static inline int CNcursesw_goto(int row, int col) {
    const char *cup = tigetstr("cup");
    if (cup == NULL || cup == (const char *)-1) return ERR;
    const char *sequence = tiparm(cup, row, col);
    return sequence == NULL ? ERR : putp(sequence);
}

static inline void CNcursesw_overlay(int row, int col, const char *text, attr_t attrs, short pair) {
    if (CNcursesw_goto(row, col) == ERR) return;
    vid_attr(attrs, pair, NULL);
    fputs(text, stdout);
}

static inline void CNcursesw_overlay_end(int cursor_row, int cursor_col) {
    vid_attr(A_NORMAL, 0, NULL);
    CNcursesw_goto(cursor_row, cursor_col);
    fflush(stdout);
}

// Raw bytes to the terminal outside curses (bracketed paste on and off), in order with the above.
static inline void CNcursesw_write_raw(const char *text) {
    fputs(text, stdout);
    fflush(stdout);
}

// A last resort for a crash (a trap, a fault, an abort) while curses owns the terminal: give the
// terminal its saved settings back and leave the alternate screen, the mouse and bracketed paste
// modes, then die of the same signal. Only async-signal-safe calls (tcsetattr, write, raise).
// Normal exits restore the terminal with endwin; this never runs for them.
// The settings to restore; a function-local static, as Swift's importer emits no file-scope ones.
static inline struct termios *CNcursesw_saved_termios(int *valid) {
    static struct termios saved;
    static int saved_valid = 0;
    if (valid != NULL) {
        if (*valid >= 0) saved_valid = *valid;
        *valid = saved_valid;
    }
    return &saved;
}

static void CNcursesw_crash_handler(int signal_number) {
    static const char reset[] = "\033[?1000l\033[?2004l\033[?1049l\033[?25h\033[0m\r\n";
    int valid = -1;
    struct termios *saved = CNcursesw_saved_termios(&valid);
    if (valid) tcsetattr(STDIN_FILENO, TCSAFLUSH, saved);
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)ignored;
    raise(signal_number);
}

static inline void CNcursesw_install_crash_guard(void) {
    int valid = tcgetattr(STDIN_FILENO, CNcursesw_saved_termios(NULL)) == 0;
    CNcursesw_saved_termios(&valid);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = CNcursesw_crash_handler;
    action.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

static inline void CNcursesw_remove_crash_guard(void) {
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], SIG_DFL);
}

#endif
