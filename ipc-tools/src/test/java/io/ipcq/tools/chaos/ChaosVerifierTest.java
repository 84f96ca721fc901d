package io.ipcq.tools.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The verifier must catch what it is there to catch: a soak checker that cannot fail proves nothing. Logs are
 * written here by hand, as producers and consumers would.
 */
class ChaosVerifierTest
{
    @TempDir
    Path directory;

    private final List<ChaosVerifier.ProducerRun> producers = new ArrayList<>();
    private final List<ChaosVerifier.ConsumerRun> consumers = new ArrayList<>();
    private final List<ChaosVerifier.Kill> kills = new ArrayList<>();

    private void producer(final int incarnation, final long logged)
    {
        final Path path = directory.resolve("p" + incarnation);
        try (SendLog log = SendLog.create(path, incarnation))
        {
            log.logged(logged);
        }
        producers.add(new ChaosVerifier.ProducerRun(incarnation, path));
    }

    private DeliveryLog consumer(final int incarnation, final boolean deadLetters)
    {
        final Path path = directory.resolve("c" + incarnation);
        consumers.add(new ChaosVerifier.ConsumerRun(incarnation, deadLetters, path));
        return DeliveryLog.create(path, incarnation, deadLetters ? 1 : 0, 64);
    }

    private int lease(final DeliveryLog log, final int producer, final long sequence, final int delivery)
    {
        // System.nanoTime, as the log's begin and end use: one step after another here, as in time.
        final long callNs = System.nanoTime();
        return log.leased(ChaosMessages.key(producer, sequence), 1000 + producer * 100 + sequence, callNs,
            System.nanoTime(), delivery);
    }

    private void ack(final DeliveryLog log, final int producer, final long sequence, final int delivery)
    {
        final int record = lease(log, producer, sequence, delivery);
        log.begin(record, DeliveryLog.ACKING);
        log.end(record, DeliveryLog.ACKED);
    }

    private ChaosReport verify()
    {
        final ChaosReport report = new ChaosReport();
        new ChaosVerifier(producers, consumers, List.of(), kills, List.of(), report, 2).verify();
        return report;
    }

    @Test
    void everyMessageAckedOnceIsClean()
    {
        producer(1, 4);
        try (DeliveryLog log = consumer(1, false))
        {
            for (int i = 0; i < 4; i++)
            {
                ack(log, 1, i, 1);
            }
            ack(log, 1, 4, 1); // sent at a kill, before its log: fine
        }
        final ChaosReport report = verify();
        assertEquals(4, report.logged);
        assertEquals(5, report.committed);
        assertEquals(1, report.unloggedDelivered);
        assertEquals(5, report.acked);
        assertEquals(0, report.lost + report.duplicateAcks + report.phantoms + report.deliveredAfterAck);
    }

    @Test
    void catchesALostMessage()
    {
        producer(1, 3);
        try (DeliveryLog log = consumer(1, false))
        {
            ack(log, 1, 0, 1);
            lease(log, 1, 1, 1); // leased, never acked, never delivered again
        }
        final ChaosReport report = verify();
        assertEquals(2, report.lost, "message 1 (leased only) and message 2 (never delivered)");
    }

    @Test
    void catchesDuplicatesPhantomsAndRedeliveryAfterAck()
    {
        producer(1, 3);
        try (DeliveryLog first = consumer(1, false); DeliveryLog second = consumer(2, false))
        {
            ack(first, 1, 0, 1);
            ack(second, 1, 0, 2);           // acked twice
            ack(first, 1, 1, 1);
            lease(second, 1, 1, 2);         // leased after its ack had answered
            ack(first, 1, 2, 1);
            ack(first, 1, 7, 1);            // never sent
        }
        final ChaosReport report = verify();
        assertEquals(1, report.duplicateAcks);
        assertEquals(2, report.deliveredAfterAck, "message 0's second ack, and message 1");
        assertEquals(1, report.phantoms);
        assertEquals(0, report.lost);
    }

    @Test
    void anAckInFlightAtAKillCountsOnlyIfNothingElseResolvedTheMessage()
    {
        producer(1, 2);
        try (DeliveryLog killed = consumer(1, false); DeliveryLog next = consumer(2, false);
             DeliveryLog deadLetters = consumer(3, true))
        {
            killed.begin(lease(killed, 1, 0, 1), DeliveryLog.ACKING);   // killed mid-ack, and nothing else: landed
            killed.begin(lease(killed, 1, 1, 1), DeliveryLog.ACKING);   // killed mid-ack, then dead-lettered
            final int record = lease(next, 1, 1, 2);
            next.begin(record, DeliveryLog.RELEASING);
            next.end(record, DeliveryLog.RELEASED);
            ack(deadLetters, 1, 1, 3);
        }
        final ChaosReport report = verify();
        assertEquals(1, report.ackedInFlight);
        assertEquals(1, report.deadLettered);
        assertEquals(0, report.lost + report.ackedAndDeadLettered);
    }
}
