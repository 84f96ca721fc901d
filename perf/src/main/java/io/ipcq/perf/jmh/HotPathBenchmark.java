package io.ipcq.perf.jmh;

import io.ipcq.Claim;
import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.LeaseBatch;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendBatch;
import io.ipcq.SendResult;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The hot path of one thread, one op = one message, 64-byte payload, queue file in /dev/shm. Run with
 * {@code -prof gc}: gc.alloc.rate.norm is the bytes allocated per message (the goal is 0).
 * <ul>
 *   <li>{@code claimCommit}: tryClaim + write 64 bytes in place + commit, 1024 per invocation into an empty lane
 *   (the lane is drained outside the timed part).</li>
 *   <li>{@code leaseAck}: tryLease + read + ack, 1024 per invocation from a full lane (filled outside the timed
 *   part).</li>
 *   <li>{@code trySendLeaseAck}: the whole hand-off: trySend (copy), tryLease, read, ack.</li>
 *   <li>{@code trySendFull}: trySend on a full lane (answers FULL).</li>
 *   <li>{@code sendBatch}, {@code leaseBatchAckAll}, {@code sendLeaseAckBatch}: the same three with batches of
 *   {@code batch} messages ({@code Producer.trySend(lane, SendBatch)}: one tail CAS per batch;
 *   {@code Consumer.tryLease(LeaseBatch, max)}: one cursor CAS per batch, then {@code ackAll}), 1024 messages per
 *   invocation; still one op = one message, so they compare with the single-message ones directly.</li>
 * </ul>
 * {@code java -jar perf/target/benchmarks.jar io.ipcq.perf.jmh -prof gc} with the flags of scripts/lib.sh.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmark
{
    static final int CAPACITY = 1024;
    static final int LENGTH = 64;

    /** A queue of one lane with its producer and consumer. */
    @State(Scope.Thread)
    public static class Lane
    {
        Path path;
        IpcQueue queue;
        Producer producer;
        Consumer consumer;
        final Claim claim = new Claim();
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(LENGTH));

        @Setup(Level.Trial)
        public void open()
        {
            path = Path.of("/dev/shm", "ipcq-jmh-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            queue = IpcQueue.create(path, QueueConfig.builder()
                .capacity(CAPACITY)
                .maxPayloadLength(LENGTH)
                .build());
            producer = queue.producer();
            consumer = queue.consumer();
            for (int i = 0; i < LENGTH; i++)
            {
                message.putByte(i, (byte)i);
            }
            opened();
        }

        /** What a subclass does once the queue is open (JMH does not order setups along a class hierarchy). */
        void opened()
        {
        }

        @TearDown(Level.Trial)
        public void close()
        {
            queue.close();
            IpcQueue.delete(path);
        }

        void fill()
        {
            while (producer.trySend(0, message, 0, LENGTH) == SendResult.OK)
            {
                // until FULL
            }
        }

        void drain()
        {
            Lease lease;
            while ((lease = consumer.tryLease()) != null)
            {
                lease.ack();
            }
        }
    }

    /** Drained after each invocation. */
    @State(Scope.Thread)
    public static class DrainedLane extends Lane
    {
        @TearDown(Level.Invocation)
        public void drainAfter()
        {
            drain();
        }
    }

    /** Filled before each invocation. */
    @State(Scope.Thread)
    public static class FilledLane extends Lane
    {
        @Setup(Level.Invocation)
        public void fillBefore()
        {
            fill();
        }
    }

    /** Full for the whole trial. */
    @State(Scope.Thread)
    public static class FullLane extends Lane
    {
        @Override
        void opened()
        {
            fill();
        }
    }

    /** The batch objects and their size. */
    @State(Scope.Thread)
    public static class Batches
    {
        @Param({ "16", "64" })
        int batch;
        SendBatch sends;
        LeaseBatch leases;

        @Setup(Level.Trial)
        public void make()
        {
            sends = new SendBatch(batch);
            leases = new LeaseBatch(batch);
        }

        /** The same message {@code batch} times. */
        SendBatch fill(final UnsafeBuffer message)
        {
            sends.clear();
            for (int i = 0; i < batch; i++)
            {
                sends.add(message, 0, LENGTH);
            }
            return sends;
        }
    }

    @Benchmark
    @OperationsPerInvocation(CAPACITY)
    public void sendBatch(final DrainedLane lane, final Batches batches)
    {
        final SendBatch sends = batches.fill(lane.message);
        for (int i = 0; i < CAPACITY; i += batches.batch)
        {
            if (lane.producer.trySend(0, sends) != batches.batch)
            {
                throw new IllegalStateException("lane full at " + i);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(CAPACITY)
    public long leaseBatchAckAll(final FilledLane lane, final Batches batches)
    {
        long sum = 0;
        for (int i = 0; i < CAPACITY; i += batches.batch)
        {
            sum += leaseReadAckAll(lane.consumer, batches);
        }
        return sum;
    }

    /** One batch lease, a read of each message, one ackAll. */
    private static long leaseReadAckAll(final Consumer consumer, final Batches batches)
    {
        final LeaseBatch leases = batches.leases;
        final int leased = consumer.tryLease(leases, batches.batch);
        long sum = 0;
        for (int j = 0; j < leased; j++)
        {
            sum += leases.payload(j).getLong(0);
        }
        leases.ackAll();
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(CAPACITY)
    public long sendLeaseAckBatch(final Lane lane, final Batches batches)
    {
        final SendBatch sends = batches.fill(lane.message);
        long sum = 0;
        for (int i = 0; i < CAPACITY; i += batches.batch)
        {
            lane.producer.trySend(0, sends);
            sum += leaseReadAckAll(lane.consumer, batches);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(CAPACITY)
    public void claimCommit(final DrainedLane lane)
    {
        final Producer producer = lane.producer;
        final Claim claim = lane.claim;
        for (int i = 0; i < CAPACITY; i++)
        {
            if (producer.tryClaim(0, LENGTH, claim) != SendResult.OK)
            {
                throw new IllegalStateException("lane full at " + i);
            }
            claim.buffer().putBytes(0, lane.message, 0, LENGTH);
            claim.commit();
        }
    }

    @Benchmark
    @OperationsPerInvocation(CAPACITY)
    public long leaseAck(final FilledLane lane)
    {
        final Consumer consumer = lane.consumer;
        long sum = 0;
        for (int i = 0; i < CAPACITY; i++)
        {
            final Lease lease = consumer.tryLease();
            sum += lease.payload().getLong(0);
            lease.ack();
        }
        return sum;
    }

    @Benchmark
    public void trySendLeaseAck(final Lane lane, final Blackhole blackhole)
    {
        lane.producer.trySend(0, lane.message, 0, LENGTH);
        final Lease lease = lane.consumer.tryLease();
        blackhole.consume(lease.payload().getLong(0));
        lease.ack();
    }

    @Benchmark
    public SendResult trySendFull(final FullLane lane)
    {
        return lane.producer.trySend(0, lane.message, 0, LENGTH);
    }
}
