package io.ipcq.perf.jmh;

import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Reference points for {@link HotPathBenchmark}, same shape (one thread, 64-byte message, file in /dev/shm): Agrona's
 * OneToOneRingBuffer write + read of one message, and the cost of the clock ipcq reads on every lease.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BaselineBenchmark
{
    @State(Scope.Thread)
    public static class Ring implements MessageHandler
    {
        File file;
        MappedByteBuffer mapped;
        OneToOneRingBuffer ring;
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(HotPathBenchmark.LENGTH));
        long sum;

        @Setup(Level.Trial)
        public void open()
        {
            file = new File("/dev/shm", "ipcq-jmh-agrona-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            final int bytes = BitUtil.findNextPositivePowerOfTwo(HotPathBenchmark.CAPACITY * 72);
            mapped = IoUtil.mapNewFile(file, bytes + RingBufferDescriptor.TRAILER_LENGTH);
            ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
        }

        @TearDown(Level.Trial)
        public void close()
        {
            IoUtil.unmap(mapped);
            IoUtil.deleteIfExists(file);
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += buffer.getLong(index);
        }
    }

    @Benchmark
    public long agronaOneToOneWriteRead(final Ring ring)
    {
        ring.ring.write(1, ring.message, 0, HotPathBenchmark.LENGTH);
        ring.ring.read(ring, 1);
        return ring.sum;
    }

    @Benchmark
    public long currentTimeMillis()
    {
        return System.currentTimeMillis();
    }
}
