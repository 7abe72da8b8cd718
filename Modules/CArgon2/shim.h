#include <argon2.h>
// getrandom(2), for the salts: Swift's Glibc module leaves <sys/random.h> out.
#include <sys/random.h>
