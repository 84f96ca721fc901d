package io.ipcq.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.DecodedSlot;
import io.ipcq.read.ImpossibleWord;
import io.ipcq.read.QueueView;
import org.agrona.IoUtil;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static io.ipcq.tools.cli.CliRunner.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * docs/inspect-schema.json against the real output of {@code scripts/ipcq inspect --json --slots} (a child JVM) on
 * queues in many states: fresh, leased (with a reaper elected), a killed holder, dead letters, sealed, wrapped,
 * skipped slots, corrupt words, and --watch frames with rates. The schema forbids undocumented fields, so a field
 * added to the command without the schema fails here; its enums are checked against the code's own names.
 */
class InspectSchemaTest
{
    private static final Path SCHEMA_FILE = ROOT.resolve("docs/inspect-schema.json");
    private static Schema schema;
    private static JsonNode schemaTree;

    @RegisterExtension
    final CliQueues queues = new CliQueues();

    @BeforeAll
    static void loadSchema() throws IOException
    {
        final String text = Files.readString(SCHEMA_FILE);
        schemaTree = CliJson.tree(text);
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(text);
        // The first launch builds ipc-tools if needed: a generous limit, once.
        final Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
    }

    @Test
    void theSchemaSpellsWhatTheCodeSpells()
    {
        final JsonNode defs = schemaTree.get("$defs");
        assertEquals(Arrays.stream(ImpossibleWord.values()).map(Enum::name).toList(),
            strings(defs.at("/slot/properties/invalid/enum")));
        assertEquals(IntStream.rangeClosed(LeaseState.FREE, LeaseState.REDRIVING).mapToObj(LeaseState::stateName)
            .toList(),
            strings(defs.at("/slot/properties/state/anyOf/0/enum")));
        assertEquals(Arrays.stream(DecodedSlot.Content.values()).filter(c -> c != DecodedSlot.Content.FREE)
            .map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList(),
            strings(defs.at("/slot/properties/content/enum")));
        assertEquals(IntStream.rangeClosed(ParticipantDescriptor.ROLE_PRODUCER, ParticipantDescriptor.ROLE_BRIDGE_IN)
            .mapToObj(ParticipantDescriptor::roleName).toList(),
            strings(defs.at("/participant/properties/role/anyOf/0/enum")));
        assertEquals(IntStream.rangeClosed(ParticipantDescriptor.ROW_ATTACHING, ParticipantDescriptor.ROW_DEAD)
            .mapToObj(ParticipantDescriptor::rowStateName).toList(),
            strings(defs.at("/participant/properties/rowState/anyOf/0/enum")));
        assertEquals(IntStream.range(0, CounterIndex.COUNTER_COUNT).mapToObj(CounterIndex::name).toList(),
            strings(schemaTree.at("/properties/counters/required")));
    }

    @Test
    void theValidatorRejectsWhatTheSchemaForbids() throws IOException
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64));
        assertEquals(SendResult.OK, ipc.producer().trySend(0, "x".getBytes(StandardCharsets.US_ASCII)));
        final ObjectNode good = (ObjectNode)CliJson.tree(inspectJson(ipc.path()));
        assertEquals(List.of(), validate(good));

        final ObjectNode extra = good.deepCopy();
        extra.put("undocumented", 1);
        assertFalse(validate(extra).isEmpty(), "an undocumented field");
        final ObjectNode badState = good.deepCopy();
        ((ObjectNode)badState.get("slots").get(0)).put("state", "BUSY");
        assertFalse(validate(badState).isEmpty(), "a state not in the table");
        final ObjectNode missing = good.deepCopy();
        ((ObjectNode)missing.get("perLane").get(0)).remove("invalid");
        assertFalse(validate(missing).isEmpty(), "a lane without its invalid count");
        final ObjectNode noAge = good.deepCopy();
        ((ObjectNode)noAge.get("perLane").get(0)).remove("oldestReadyAgeMs");
        assertFalse(validate(noAge).isEmpty(), "a lane without its oldest ready age");
        final ObjectNode negativeAge = good.deepCopy();
        ((ObjectNode)negativeAge.get("slots").get(0)).put("ageMs", -1);
        assertFalse(validate(negativeAge).isEmpty(), "a negative age");
    }

    @Test
    void agesOfTheOldestReadyMessagesAndOfEachMessageAreRawNumbers()
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64).maxDeliveries(1));
        final Producer producer = ipc.producer();
        final long before = System.currentTimeMillis();
        assertEquals(SendResult.OK, producer.trySend(0, "dead".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(ipc.consumer().tryLease().release(), "dead-lettered");
        assertEquals(SendResult.OK, producer.trySend(0, "ready".getBytes(StandardCharsets.US_ASCII)));

        final JsonNode json = valid(ipc.path());
        final long read = json.get("readEpochMs").asLong();
        final JsonNode lane = json.at("/perLane/0");
        final long enqueued = lane.get("oldestReadyEnqueuedEpochMs").asLong();
        assertTrue(enqueued >= before && enqueued <= read, lane::toString);
        assertEquals(read - enqueued, lane.get("oldestReadyAgeMs").asLong());
        assertEquals(0, json.at("/deadLetterRing/oldestReadyEnqueuedEpochMs").asLong());
        assertTrue(json.at("/deadLetterRing/oldestReadyAgeMs").isNull(), json::toString);
        final JsonNode ready = json.get("slots").get(0);
        assertEquals("ready", ready.get("headText").asText());
        assertEquals(enqueued, ready.get("enqueuedEpochMs").asLong());
        assertEquals(read - enqueued, ready.get("ageMs").asLong());
        final JsonNode deadLetter = json.get("slots").get(1);
        assertEquals("DL", deadLetter.get("ring").asText());
        assertFalse(deadLetter.has("enqueuedEpochMs") || deadLetter.has("ageMs"), "a dead letter keeps no time");
    }

    @Test
    void bridgeRowsShowTheirRoleAndCounters()
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64));
        final Consumer out = ipc.bridgeOutConsumer(4);
        final Producer in = ipc.bridgeInProducer();
        final io.ipcq.BridgeCounters outCounters = out.bridgeCounters();
        outCounters.addPublished(7);
        outCounters.addConfirmed(5);
        outCounters.addDuplicates(1);
        outCounters.inFlight(2);
        in.bridgeCounters().addPublished(3);

        final JsonNode json = valid(ipc.path());
        final List<JsonNode> bridges = new ArrayList<>();
        json.get("participants").forEach(row -> { if (row.has("bridge")) bridges.add(row); });
        assertEquals(2, bridges.size(), json::toString);
        final JsonNode bridgeOut = bridges.stream().filter(row -> row.get("role").asText().equals("bridge-out"))
            .findFirst().orElseThrow();
        assertEquals(7, bridgeOut.at("/bridge/published").asLong());
        assertEquals(5, bridgeOut.at("/bridge/confirmed").asLong());
        assertEquals(1, bridgeOut.at("/bridge/duplicates").asLong());
        assertEquals(2, bridgeOut.at("/bridge/inFlight").asLong());
        final JsonNode bridgeIn = bridges.stream().filter(row -> row.get("role").asText().equals("bridge-in"))
            .findFirst().orElseThrow();
        assertEquals(3, bridgeIn.at("/bridge/published").asLong());
        json.get("participants").forEach(row ->
            assertEquals(row.get("role").asText().startsWith("bridge-"), row.has("bridge"), row::toString));

        final String text = run("inspect", ipc.path().toString()).ok().stdout();
        assertTrue(text.contains("bridge-out: published 7 confirmed 5 duplicates 1 in-flight 2"), text);
        assertTrue(text.contains("bridge-in: published 3 confirmed 0 duplicates 0 in-flight 0"), text);
    }

    @Test
    void freshLeasedAndReaped() throws Exception
    {
        final Path path = queues.newPath();
        assertEquals(0, run("create", path.toString(), "--capacity", "8", "--lanes", "2").exitCode());
        final JsonNode fresh = valid(path);
        assertEquals(16, fresh.get("free").asInt());
        assertTrue(fresh.get("participants").isEmpty());

        // An attached process with its background agent: it elects itself reaper.
        final IpcQueue ipc = queues.closeLater(IpcQueue.open(path));
        final Producer producer = ipc.producer();
        final Consumer consumer = ipc.consumer();
        assertEquals(SendResult.OK, producer.trySend(1, "hold me".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SendResult.OK, producer.trySend(0, "wait".getBytes(StandardCharsets.US_ASCII)));
        final Lease lease = consumer.tryLease();
        assertNotNull(lease);
        awaitReaper(path);
        final JsonNode leased = valid(path);
        assertEquals(1, leased.get("leased").asInt());
        assertEquals(1, leased.get("ready").asInt());
        final int reaper = leased.at("/reaper/participant").asInt();
        assertTrue(leased.at("/reaper/lastPassEpochMs").asLong() > 0, leased::toString);
        final List<JsonNode> reaperRows = new ArrayList<>();
        leased.get("participants").forEach(row -> { if (row.get("reaper").asBoolean()) reaperRows.add(row); });
        assertEquals(1, reaperRows.size(), leased::toString);
        assertEquals(reaper, reaperRows.get(0).get("id").asInt());
        assertTrue(lease.ack());
    }

    @Test
    void aKilledHolder() throws Exception
    {
        final Path path = queues.newPath();
        try (IpcQueue ipc = IpcQueue.create(path, QueueConfig.builder().capacity(4).maxPayloadLength(64)
            .leaseTimeout(Duration.ofMinutes(5)).build(), SystemEpochClock.INSTANCE);
            Producer producer = ipc.producer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, "job".getBytes(StandardCharsets.US_ASCII)));
        }
        try (Running consumer = new Running("recv", path.toString(), "--hold", "60s", "--format", "json"))
        {
            consumer.awaitStdout(text -> text.contains("\"payload\":\"job\""), "the message");
            consumer.kill();
        }
        final JsonNode json = valid(path);
        assertEquals(1, json.get("leased").asInt());
        final JsonNode slot = json.get("slots").get(0);
        assertEquals("LEASED", slot.get("state").asText());
        final int holder = slot.get("participant").asInt();
        final List<JsonNode> rows = new ArrayList<>();
        json.get("participants").forEach(row -> { if (row.get("id").asInt() == holder) rows.add(row); });
        assertEquals(1, rows.size(), json::toString);
        assertFalse(rows.get(0).get("processAlive").asBoolean(), "the holder's process is gone");
    }

    @Test
    void deadLettersSealedWrappedAndSkipped() throws IOException
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64).maxDeliveries(1));
        final Producer producer = ipc.producer();
        final Consumer consumer = ipc.consumer();
        // Wrapped: ten messages through four slots.
        for (int i = 0; i < 10; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("w" + i).getBytes(StandardCharsets.US_ASCII)));
            assertTrue(consumer.tryLease().ack());
        }
        final JsonNode wrapped = valid(ipc.path());
        assertEquals(10, wrapped.at("/perLane/0/tail").asInt());

        // A dead letter: one delivery allowed, released once; then a dead-letter consumer leases it.
        assertEquals(SendResult.OK, producer.trySend(0, "poison".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(consumer.tryLease().release());
        final Lease deadLetter = ipc.deadLetterConsumer().tryLease();
        assertNotNull(deadLetter);
        final JsonNode dead = valid(ipc.path());
        assertEquals(1, dead.get("deadLettered").asInt());
        assertEquals("DL", dead.get("slots").get(0).get("ring").asText());

        // Skipped: a held message while producers come round to its slot.
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("s" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        final Lease held = consumer.tryLease();
        for (int i = 1; i < 4; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        assertEquals(SendResult.OK, producer.trySend(0, "after".getBytes(StandardCharsets.US_ASCII)));
        final JsonNode skipped = valid(ipc.path());
        final List<JsonNode> skippedSlots = new ArrayList<>();
        skipped.get("slots").forEach(s -> { if (s.get("skipped").asBoolean()) skippedSlots.add(s); });
        assertEquals(1, skippedSlots.size(), skipped::toString);
        assertTrue(skippedSlots.get(0).has("skippedThrough"));

        // Sealed, with messages still in it.
        ipc.seal();
        final JsonNode sealed = valid(ipc.path());
        assertTrue(sealed.get("sealed").asBoolean());
        assertTrue(held.ack());
        assertTrue(deadLetter.ack());
    }

    @Test
    void corruptWordsAreCountedInvalid() throws IOException
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64));
        assertEquals(SendResult.OK, ipc.producer().trySend(0, "fine".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SendResult.OK, ipc.producer().trySend(0, "to corrupt".getBytes(StandardCharsets.US_ASCII)));
        final int slotOffset;
        try (QueueView view = QueueView.open(ipc.path()))
        {
            slotOffset = view.layout().slotOffset(0, 1);
        }
        final MappedByteBuffer mapping = IoUtil.mapExistingFile(ipc.path().toFile(), FileChannel.MapMode.READ_WRITE,
            "queue");
        try
        {
            // READY with a holder: what no run of the protocol writes.
            new UnsafeBuffer(mapping).putLongVolatile(slotOffset + SlotDescriptor.LEASE_STATE_OFFSET,
                LeaseState.pack(LeaseState.READY, 1, 2));
        }
        finally
        {
            IoUtil.unmap(mapping);
        }
        final JsonNode json = valid(ipc.path());
        assertEquals(1, json.get("invalid").asInt());
        assertEquals(1, json.at("/perLane/0/invalid").asInt());
        assertEquals(1, json.get("ready").asInt(), "the corrupt slot is not counted READY");
        final List<JsonNode> invalid = new ArrayList<>();
        json.get("slots").forEach(s -> { if ("invalid".equals(s.get("content").asText())) invalid.add(s); });
        assertEquals(1, invalid.size(), json::toString);
        assertEquals(ImpossibleWord.HOLDER_ON_UNHELD_STATE.name(), invalid.get(0).get("invalid").asText());

        final Result text = run("inspect", ipc.path().toString(), "--slots").ok();
        assertTrue(text.stdout().lines().anyMatch(l -> l.startsWith("0 ") && l.contains("READY!") &&
            l.contains("INVALID: " + ImpossibleWord.HOLDER_ON_UNHELD_STATE.description()) && l.contains("0:1")),
            text::toString);
        assertTrue(text.stdout().contains("WARNING: 1 slots hold words no run of the protocol leaves"), text::toString);
    }

    @Test
    void watchFramesCarryRates() throws Exception
    {
        final IpcQueue ipc = manual(QueueConfig.builder().capacity(8));
        try (Running watch = new Running("inspect", ipc.path().toString(), "--json", "--watch", "100ms"))
        {
            final String text = watch.awaitStdout(out -> out.lines().count() >= 3, "three frames");
            watch.terminate();
            final List<String> lines = text.lines().toList();
            assertFalse(CliJson.tree(lines.get(0)).has("rates"), "the first frame has nothing to compare with");
            for (final String line : lines.subList(0, 3))
            {
                assertEquals(List.of(), validate(CliJson.tree(line)), line);
            }
            assertTrue(CliJson.tree(lines.get(1)).has("rates"), lines.get(1));
        }
    }

    private IpcQueue manual(final QueueConfig.Builder config)
    {
        return queues.closeLater(IpcQueue.create(queues.newPath(), config.build(), SystemEpochClock.INSTANCE));
    }

    private static String inspectJson(final Path path)
    {
        return run("inspect", path.toString(), "--json", "--slots").ok().stdout();
    }

    private static JsonNode valid(final Path path)
    {
        final JsonNode json = CliJson.tree(inspectJson(path));
        assertEquals(List.of(), validate(json), json::toString);
        return json;
    }

    private static List<String> validate(final JsonNode json)
    {
        return schema.validate(json).stream().map(Error::toString).toList();
    }

    private static List<String> strings(final JsonNode array)
    {
        assertTrue(array.isArray(), "not an array: " + array);
        final List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static void awaitReaper(final Path path) throws InterruptedException
    {
        // Bounded by count, not time: the agent elects itself within one beat interval of attach.
        for (int attempt = 0; attempt < 3000; attempt++)
        {
            try (QueueView view = QueueView.open(path))
            {
                if (view.reaperParticipant() >= 0 && view.header().reaperHeartbeatEpochMs() > 0)
                {
                    return;
                }
            }
            Thread.sleep(10);
        }
        fail("no reaper elected at " + path);
    }
}
