/**
 * jcstress tests of the ring protocol's races, one scenario per class.
 */
package io.ipcq.stress;
