/* The parts of test_api_c that live in their own files. */
#ifndef SK_TEST_TESTS_H
#define SK_TEST_TESTS_H

void test_errors(void);                    /* errors.c: every documented error status */
void test_error_message_per_thread(void);  /* errors.c: messages are thread-local */
void test_kernels(void);                   /* kernels.c: results against plain loops, per ISA */

#endif
