/**
 * Operator tools: the {@code ipcq} command and the demo.
 */
package io.ipcq.tools;
