/* An attack program is one of the attacks_*.c files linked with attack_main.c and the lockdown: a trusted
 * worker main that locks itself down with the policy named in argv[1] ("none": no lockdown) and then runs
 * the attack named in argv[2] as the untrusted kernel would. The violation report goes to fd 3. */
#ifndef NS_ATTACK_H
#define NS_ATTACK_H

struct attack {
  const char* name;
  int (*run)(int argc, char** argv); /* arguments after the attack's name */
  void (*before_lockdown)(void);     /* trusted setup, optional */
};

/* Each attacks_*.c defines this table, ended by an entry with a NULL name. */
extern const struct attack ns_attacks[];

/* For a call that should never have returned: says so on stdout and returns 1. */
int ns_not_refused(const char* what, long rc);

#endif
