package io.ipcq.tools.cli;

import io.ipcq.layout.QueueDescriptor;
import io.ipcq.support.PosixGroups;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ipcq.tools.cli.CliRunner.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11 (items 2 to 8 and the smaller ones) and the liveness part of issue 12, through the real
 * {@code scripts/ipcq} as child processes: what each command refuses, and what it survives.
 */
class CliHardeningTest
{
    @RegisterExtension
    final CliQueues queues = new CliQueues();

    @BeforeAll
    static void buildOnce()
    {
        final Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
    }

    @Test
    void createRefusesWhatCannotWorkAndSetsModeAndGroup() throws IOException
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        // Item 4: deadlines are 40 bits of ms since creation.
        run("create", q, "--lease-timeout", "1099511627s").fails(2, "--lease-timeout", "too long", "365 days");
        run("create", q, "--lease-timeout", "18325000m").fails(2, "--lease-timeout", "too long");
        run("create", q, "--heartbeat-timeout", "18325000m").fails(2, "--heartbeat-timeout", "too long");
        // Item 6: a process takes a row for its agent besides its handle's.
        run("create", q, "--participants", "1").fails(2, "--participants 1", "at least 2");
        // create "" said "a file already exists".
        run("create", "").fails(2, "PATH is empty");
        // Item 3: no mode that gives others access, or execute bits.
        run("create", q, "--mode", "0666").fails(2, "--mode 0666");
        run("create", q, "--mode", "rw").fails(2, "--mode rw", "octal");
        assertFalse(Files.exists(queue), "a refused create made a file");

        final String group = PosixGroups.otherGroup();
        final Result created = run("create", q, "--capacity", "4", "--slot-size", "16", "--mode", "0660", "--group",
            group).ok();
        assertTrue(created.stdout().contains("mode 0660, group " + group), created::toString);
        final PosixFileAttributes attributes = Files.readAttributes(queue, PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(attributes.permissions()));
        assertEquals(group, attributes.group().getName());
        run("create", queues.newPath().toString(), "--group", "no-such-group-ipcq")
            .fails(1, "no group named 'no-such-group-ipcq'");
    }

    @Test
    void sendFromAnEndlessLineFailsFastWithBoundedMemory() throws Exception
    {
        final Path queue = queues.newPath();
        run("create", queue.toString(), "--capacity", "4", "--slot-size", "64").ok();
        final List<String> command = List.of(IPCQ.toString(), "send", queue.toString());
        final ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
            .redirectInput(new File("/dev/zero"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        final Process process = builder.start();
        try
        {
            final Drain out = new Drain(process.getInputStream());
            final Drain err = new Drain(process.getErrorStream());
            assertTrue(process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "send < /dev/zero returned");
            out.await();
            err.await();
            new Result(List.of("send", queue.toString(), "< /dev/zero"), process.exitValue(), out.text(), err.text())
                .fails(1, "line 1 of stdin is more than", "takes at most 64");
        }
        finally
        {
            destroy(process);
        }
    }

    @Test
    void recvNoAckWithAHugeCountAndAHoldPastTheLeaseTimeout()
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        run("create", q, "--capacity", "65536", "--slot-size", "16", "--dead-letter-capacity", "2",
            "--lease-timeout", "1s").ok();
        run("send", q, "a", "b", "c").ok();
        // Lease objects are made as leases are taken, not one per slot up front.
        final Result peeked = run("recv", q, "--no-ack", "--count", "100000000", "--timeout", "300ms").ok();
        assertEquals(List.of("a", "b", "c"), peeked.stdoutLines());

        // A hold three times the lease timeout keeps its leases (extended while held): the ack is not fenced.
        final Result held = run("recv", q, "--count", "3", "--hold", "3s").ok();
        assertEquals(List.of("a", "b", "c"), held.stdoutLines());
        assertEquals(List.of(), run("recv", q, "--timeout", "300ms").ok().stdoutLines(), "acked, not redelivered");
    }

    @Test
    void deleteRefusesAQueueWithLiveParticipantsUnlessForced() throws Exception
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        run("create", q, "--capacity", "4", "--slot-size", "16").ok();
        run("send", q, "held").ok();
        try (Running holder = new Running("recv", q, "--hold", "60s"))
        {
            holder.awaitStdout(text -> text.contains("held"), "the leased message");
            run("delete", q).fails(1, "cannot delete " + q, "live participant", "force");
            assertTrue(Files.exists(queue));
            run("delete", q, "--force").ok();
            assertFalse(Files.exists(queue));
        }
    }

    @Test
    void deleteWithoutPermissionSaysSoPlainly() throws Exception
    {
        // Run as another user (nobody); only root can switch, as CI does.
        org.junit.jupiter.api.Assumptions.assumeTrue(
            "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")));
        final Path queue = queues.newPath();
        final String q = queue.toString();
        run("create", q, "--capacity", "4", "--slot-size", "16").ok();
        for (final String mode : List.of("rw-------", "rw-r--r--"))
        {
            // Unreadable to nobody, then readable: either way it is not nobody's to remove.
            Files.setPosixFilePermissions(queue, PosixFilePermissions.fromString(mode));
            final Process process = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "env", "JAVA_HOME=" + System.getProperty("java.home"), IPCQ.toString(), "delete",
                q).directory(Path.of("/tmp").toFile()).start();
            try
            {
                final Drain out = new Drain(process.getInputStream());
                final Drain err = new Drain(process.getErrorStream());
                assertTrue(process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                out.await();
                err.await();
                new Result(List.of("delete", q, "(as nobody, mode " + mode + ")"), process.exitValue(), out.text(),
                    err.text()).fails(1, "cannot delete " + q + ": permission denied");
            }
            finally
            {
                destroy(process);
            }
            assertTrue(Files.exists(queue));
        }
    }

    @Test
    void aQueueTruncatedUnderARecvFailsWithOneLineNotSigbus() throws Exception
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        run("create", q, "--capacity", "64", "--slot-size", "64", "--heartbeat-timeout", "1s").ok();
        run("send", q, "x").ok();
        final List<Path> crashLogsBefore = hsErrFiles();
        try (Running holder = new Running("recv", q, "--hold", "4s"))
        {
            holder.awaitStdout(text -> text.contains("x"), "the leased message");
            try (FileChannel channel = FileChannel.open(queue, StandardOpenOption.WRITE))
            {
                channel.truncate(4096);
            }
            assertTrue(holder.process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            holder.out.await();
            holder.err.await();
            final int exit = holder.process.exitValue();
            assertNotEquals(134, exit, "SIGBUS");
            final Result result = new Result(holder.args, exit, "", holder.err.text());
            assertEquals(1, exit, result::toString);
            final String[] lines = holder.err.text().split("\n");
            assertEquals(1, lines.length, result::toString);
            assertTrue(lines[0].startsWith("ipcq: recv: ") && lines[0].contains("truncated to 4096 bytes"),
                result::toString);
            assertNoStackTrace(result);
        }
        assertEquals(crashLogsBefore, hsErrFiles(), "no hs_err file");
    }

    @Test
    void reapWorksOnAQueueWhoseEveryRowBelongsToADeadProcess() throws Exception
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        run("create", q, "--capacity", "4", "--slot-size", "16", "--participants", "2").ok();
        run("send", q, "stuck").ok();
        try (Running holder = new Running("recv", q, "--hold", "60s"))
        {
            holder.awaitStdout(text -> text.contains("stuck"), "the leased message");
            holder.kill();
        }
        final Result reaped = run("reap", q).ok();
        assertTrue(reaped.stdout().contains("2 participants declared dead (2 rows freed)"), reaped::toString);
        assertTrue(reaped.stdout().contains("1 lease taken from the dead"), reaped::toString);
        assertEquals(List.of("stuck"), run("recv", q, "--timeout", "5s").ok().stdoutLines());
    }

    private static List<Path> hsErrFiles() throws IOException
    {
        final List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(ROOT, "hs_err_pid*.log"))
        {
            stream.forEach(found::add);
        }
        return found;
    }
}
