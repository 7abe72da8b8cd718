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
#include <wchar.h>
#include <curses.h>

// wcwidth is declared only under _XOPEN_SOURCE in <wchar.h>; declare it for Swift.
extern int wcwidth(wchar_t c);

// Macros and globals Swift cannot import (or refuses as shared mutable state), as functions.
static inline int CNcursesw_lines(void) { return LINES; }
static inline int CNcursesw_cols(void) { return COLS; }
static inline WINDOW *CNcursesw_stdscr(void) { return stdscr; }
static inline void CNcursesw_set_escdelay(int ms) { ESCDELAY = ms; }

static inline attr_t CNcursesw_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t CNcursesw_A_BOLD(void) { return A_BOLD; }
static inline attr_t CNcursesw_A_DIM(void) { return A_DIM; }
static inline attr_t CNcursesw_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t CNcursesw_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline attr_t CNcursesw_COLOR_PAIR(int n) { return COLOR_PAIR(n); }
static inline int CNcursesw_KEY_F(int n) { return KEY_F(n); }
static inline mmask_t CNcursesw_BUTTON4_PRESSED(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t CNcursesw_BUTTON5_PRESSED(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t CNcursesw_BUTTON5_PRESSED(void) { return 0; }
#endif

#endif
