package io.ipcq.perf.harness;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The control file one system's processes and the coordinator share (in the run directory under /dev/shm): the
 * round and phase the coordinator drives, a clock-calibration mailbox per side, and one row of counters per worker
 * thread. Every hot word sits on its own 128-byte span; each row is written by its thread only.
 * <pre>
 *   0      state: round &lt;&lt; 8 | phase          (coordinator writes)
 *   128    clock request, side s at 128 + 256 s (coordinator writes a token)
 *   256    clock answer,  side s at 256 + 256 s (child writes its nanoTime, then the token)
 *   1024   row t at 1024 + 128 t: sent, received, full answers, rejected, done round, failed
 * </pre>
 */
final class Control
{
    static final int PHASE_IDLE = 0;
    /** Sending, not recording yet (warm-up or settle). */
    static final int PHASE_RUN = 1;
    /** Sending and recording. */
    static final int PHASE_MEASURE = 2;
    /** Producers stop; consumers drain; every thread then marks the round done. */
    static final int PHASE_STOP = 3;
    /** The scenario is over: worker threads return. */
    static final int PHASE_END = 4;

    static final int MAX_THREADS = 32;

    private static final int STATE_OFFSET = 0;
    private static final int CLOCK_BASE_OFFSET = 128;
    private static final int CLOCK_SIDE_STRIDE = 256;
    private static final int CLOCK_ANSWER_DELTA = 128;
    private static final int ROWS_OFFSET = 1024;
    private static final int ROW_LENGTH = 128;
    private static final int SENT = 0;
    private static final int RECEIVED = 8;
    private static final int FULL = 16;
    private static final int REJECTED = 24;
    private static final int DONE_ROUND = 32;
    private static final int FAILED = 40;
    static final int FILE_LENGTH = ROWS_OFFSET + MAX_THREADS * ROW_LENGTH;

    private final UnsafeBuffer buffer;
    private final MappedByteBuffer mapped;

    private Control(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    static Control create(final Path path)
    {
        return map(path, true);
    }

    static Control open(final Path path)
    {
        return map(path, false);
    }

    private static Control map(final Path path, final boolean create)
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            if (create)
            {
                file.setLength(FILE_LENGTH);
            }
            else if (file.length() < FILE_LENGTH)
            {
                throw new IllegalStateException(path + " is not a control file (" + file.length() + " bytes)");
            }
            return new Control(file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot map " + path + ": " + ex.getMessage(), ex);
        }
    }

    // ---- state --------------------------------------------------------------------------------------------

    void state(final long round, final int phase)
    {
        buffer.putLongVolatile(STATE_OFFSET, (round << 8) | phase);
    }

    long stateVolatile()
    {
        return buffer.getLongVolatile(STATE_OFFSET);
    }

    static long round(final long state)
    {
        return state >>> 8;
    }

    static int phase(final long state)
    {
        return (int)(state & 0xFF);
    }

    // ---- clock calibration ----------------------------------------------------------------------------------

    void clockRequest(final int side, final long token)
    {
        buffer.putLongVolatile(CLOCK_BASE_OFFSET + side * CLOCK_SIDE_STRIDE, token);
    }

    long clockRequestVolatile(final int side)
    {
        return buffer.getLongVolatile(CLOCK_BASE_OFFSET + side * CLOCK_SIDE_STRIDE);
    }

    void clockAnswer(final int side, final long token, final long nanoTime)
    {
        final int offset = CLOCK_BASE_OFFSET + side * CLOCK_SIDE_STRIDE + CLOCK_ANSWER_DELTA;
        buffer.putLong(offset + 8, nanoTime);
        buffer.putLongRelease(offset, token);
    }

    long clockAnswerTokenVolatile(final int side)
    {
        return buffer.getLongVolatile(CLOCK_BASE_OFFSET + side * CLOCK_SIDE_STRIDE + CLOCK_ANSWER_DELTA);
    }

    long clockAnswerTime(final int side)
    {
        return buffer.getLongVolatile(CLOCK_BASE_OFFSET + side * CLOCK_SIDE_STRIDE + CLOCK_ANSWER_DELTA + 8);
    }

    // ---- per-thread rows (each written by its own thread only) ---------------------------------------------

    private static int row(final int thread)
    {
        return ROWS_OFFSET + thread * ROW_LENGTH;
    }

    void sentRelease(final int thread, final long value)
    {
        buffer.putLongRelease(row(thread) + SENT, value);
    }

    void receivedRelease(final int thread, final long value)
    {
        buffer.putLongRelease(row(thread) + RECEIVED, value);
    }

    void fullRelease(final int thread, final long value)
    {
        buffer.putLongRelease(row(thread) + FULL, value);
    }

    void rejectedRelease(final int thread, final long value)
    {
        buffer.putLongRelease(row(thread) + REJECTED, value);
    }

    void doneRelease(final int thread, final long round)
    {
        buffer.putLongRelease(row(thread) + DONE_ROUND, round);
    }

    void failedRelease(final int thread, final long round)
    {
        buffer.putLongRelease(row(thread) + FAILED, round);
    }

    /**
     * Zeroes every row. Only while no worker thread runs (between scenarios): a row's role changes with the scenario.
     */
    void resetRows()
    {
        buffer.setMemory(ROWS_OFFSET, MAX_THREADS * ROW_LENGTH, (byte)0);
        buffer.putLongVolatile(ROWS_OFFSET, 0);
    }

    long sent(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + SENT);
    }

    long received(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + RECEIVED);
    }

    long full(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + FULL);
    }

    long rejected(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + REJECTED);
    }

    long done(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + DONE_ROUND);
    }

    long failed(final int thread)
    {
        return buffer.getLongVolatile(row(thread) + FAILED);
    }

    long sumSent(final int from, final int to)
    {
        long sum = 0;
        for (int t = from; t < to; t++)
        {
            sum += sent(t);
        }
        return sum;
    }

    long sumReceived(final int from, final int to)
    {
        long sum = 0;
        for (int t = from; t < to; t++)
        {
            sum += received(t);
        }
        return sum;
    }

    MappedByteBuffer mapped()
    {
        return mapped;
    }
}
