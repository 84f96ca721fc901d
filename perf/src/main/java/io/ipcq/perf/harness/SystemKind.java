package io.ipcq.perf.harness;

import java.nio.file.Path;

/**
 * The systems side by side: what each can run and how its channels are made. Cross-process systems run the
 * producer side in JVM A and the consumer side in JVM B; in-process ones run both in one JVM.
 */
enum SystemKind
{
    FLOOR("floor", true),
    /** ipcq as users get it: the blocking calls ({@code lease}, {@code send} with a timeout), default strategy. */
    IPCQ("ipcq", true),
    /** The same calls with {@code WaitStrategy.busySpin()} on both handles: what the default costs the hot path. */
    IPCQ_BUSY_SPIN("ipcq-busy-spin", true),
    AGRONA_ONE_TO_ONE("agrona-one-to-one", true),
    AGRONA_MANY_TO_ONE("agrona-many-to-one", true),
    CHRONICLE_QUEUE("chronicle-queue", true),
    ARRAY_BLOCKING_QUEUE("array-blocking-queue", false),
    JCTOOLS_MPMC("jctools-mpmc", false),
    IPCQ_BRIDGE("ipcq-bridge", true),
    JETSTREAM("jetstream", true),
    /** ipcq with the batch APIs: sends of {@link IpcqChannel#BATCH} per tail step, leases of as many per cursor step. */
    IPCQ_BATCH("ipcq-batch", true);

    final String id;
    final boolean crossProcess;

    SystemKind(final String id, final boolean crossProcess)
    {
        this.id = id;
        this.crossProcess = crossProcess;
    }

    int sides()
    {
        return crossProcess ? 2 : 1;
    }

    /**
     * @return null if this system runs the scenario, else why it cannot (for the report).
     */
    String cannotRun(final Scenario scenario)
    {
        if ((this == IPCQ_BRIDGE || this == JETSTREAM) != (scenario == Scenario.BRIDGE))
        {
            return scenario == Scenario.BRIDGE ? "one host only: the bridge scenario is ipcq-bridge beside jetstream" :
                "runs the bridge scenario only (through a loopback nats-server)";
        }
        if (scenario.isWakeup() && this != IPCQ && this != FLOOR && this != AGRONA_ONE_TO_ONE &&
            this != CHRONICLE_QUEUE)
        {
            return "wakeup compares ipcq's kernel wait with the bare kernel wake-up, Agrona's back-off and " +
                "Chronicle's pauser";
        }
        switch (this)
        {
            case IPCQ_BATCH:
                return scenario.isRtt() || scenario.isPaced() ?
                    "batches are for streams: a ping-pong or a paced send has one message to send at a time" : null;
            case FLOOR:
                return scenario.isRtt() || scenario.isWakeup() ? null :
                    "a bare counter ping-pong: no queue, one message in flight, nothing to stream";
            case IPCQ_BUSY_SPIN:
                return scenario == Scenario.RTT_1P1C || scenario == Scenario.THROUGHPUT_1P1C ? null :
                    "the hot-path comparison with ipcq's default strategy: rtt-1p1c and throughput-1p1c only";
            case AGRONA_ONE_TO_ONE:
                return scenario.producers == 1 && scenario.consumers == 1 ? null :
                    "one producer and one consumer by design";
            case AGRONA_MANY_TO_ONE:
                return scenario.consumers == 1 ? null : "one consumer by design (many producers, one reader)";
            case CHRONICLE_QUEUE:
                return scenario.consumers == 1 ? null :
                    "a journal: every tailer reads every message (broadcast), so consumers cannot share the work";
            default:
                return null;
        }
    }

    /**
     * @param name    "ping", "pong" or "data".
     * @param side    0 (A: creates the files) or 1 (B).
     */
    Channel newChannel(final Path runDir, final String name, final Scenario scenario, final int side)
    {
        final boolean create = side == 0;
        switch (this)
        {
            case FLOOR:
                return new FloorChannel(runDir.resolve(FloorChannel.FILE_NAME).toFile(), create,
                    "pong".equals(name) ? 128 : 0, scenario.isWakeup());
            case IPCQ:
                return new IpcqChannel(runDir.resolve("ipcq-" + name + ".q"), create, scenario.capacity, 1, false);
            case IPCQ_BATCH:
                return new IpcqChannel(runDir.resolve("ipcq-batch-" + name + ".q"), create, scenario.capacity,
                    IpcqChannel.BATCH, false);
            case IPCQ_BUSY_SPIN:
                return new IpcqChannel(runDir.resolve("ipcq-busy-spin-" + name + ".q"), create, scenario.capacity,
                    1, true);
            case AGRONA_ONE_TO_ONE:
                return new AgronaChannel(runDir.resolve("agrona-o2o-" + name + ".ring").toFile(), create,
                    scenario.capacity, false);
            case AGRONA_MANY_TO_ONE:
                return new AgronaChannel(runDir.resolve("agrona-m2o-" + name + ".ring").toFile(), create,
                    scenario.capacity, true);
            case CHRONICLE_QUEUE:
                // The side that writes a journal owns it (pretoucher, deletion): B writes the pongs.
                return new ChronicleChannel(runDir, name, "pong".equals(name) ? side == 1 : side == 0);
            case ARRAY_BLOCKING_QUEUE:
                return new InProcessChannel(scenario.capacity, false);
            case JCTOOLS_MPMC:
                return new InProcessChannel(scenario.capacity, true);
            case IPCQ_BRIDGE:
                return new BridgeChannel(runDir, create, scenario.capacity);
            case JETSTREAM:
                return new JetStreamChannel(runDir, create, scenario.capacity);
            default:
                throw new IllegalStateException(id);
        }
    }

    static SystemKind byId(final String id)
    {
        for (final SystemKind kind : values())
        {
            if (kind.id.equals(id))
            {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown system: " + id);
    }
}
