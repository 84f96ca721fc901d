package io.ipcq.internal;

import io.ipcq.QueueConfig;
import io.ipcq.QueueException;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.HeaderFlyweight;
import io.ipcq.read.QueueLayout;
import io.ipcq.read.QueueMapping;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import static io.ipcq.layout.QueueDescriptor.*;

/**
 * A mapped, validated queue file: creation (atomic, every page allocated) and opening (every header word checked
 * against the file before anything else reads it).
 */
public final class QueueFile implements AutoCloseable
{
    private static final int FILL_CHUNK = 1 << 20;
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
        PosixFilePermissions.fromString("rw-------");

    private final Path path;
    /** Kept open for the mapping's life: its fstat size tells whether the file was truncated under the mapping. */
    private final FileChannel channel;
    /** The file's identity (device and inode) when mapped: another identity at the path means it was replaced. */
    private final Object fileKey;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer buffer;
    private final boolean readOnly;
    private final QueueDescriptor.Geometry geometry;
    private final int maxDeliveries;
    private final long leaseTimeoutMs;
    private final long heartbeatTimeoutMs;
    private final long createdEpochMs;
    /** Null while the file is intact; once it was truncated or replaced, why (and it stays so). */
    private volatile String broken;

    private QueueFile(
        final Path path, final FileChannel channel, final Object fileKey, final MappedByteBuffer mapping,
        final boolean readOnly)
    {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
        this.mapping = mapping;
        this.readOnly = readOnly;
        this.buffer = new UnsafeBuffer(mapping);
        buffer.verifyAlignment();
        this.geometry = validate(path, buffer);
        this.maxDeliveries = buffer.getInt(MAX_DELIVERIES_OFFSET);
        this.leaseTimeoutMs = buffer.getLong(LEASE_TIMEOUT_MS_OFFSET);
        this.heartbeatTimeoutMs = buffer.getLong(HEARTBEAT_TIMEOUT_MS_OFFSET);
        this.createdEpochMs = buffer.getLong(CREATED_EPOCH_MS_OFFSET);
    }

    /**
     * Creates a queue file: built under a temporary name in the same directory with every page allocated by
     * write(2) (so a full file system fails here, not later with SIGBUS), then renamed into place.
     *
     * @param path      where the queue lives.
     * @param config    geometry and settings.
     * @param nowEpochMs creation time.
     * @return the mapped file.
     */
    public static QueueFile create(final Path path, final QueueConfig config, final long nowEpochMs)
    {
        final QueueDescriptor.Geometry geometry = config.geometry().validate();
        if (path.toString().isEmpty() || path.getFileName() == null || path.getFileName().toString().isEmpty())
        {
            throw new QueueException("cannot create '" + path + "': the path is empty (give a file path, e.g. " +
                "/dev/shm/orders)");
        }
        final Path absolute = path.toAbsolutePath();
        final Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir))
        {
            throw new QueueException("cannot create " + path + ": directory " + dir + " does not exist");
        }
        if (!config.force() && Files.exists(absolute, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            throw new QueueException("cannot create " + path + ": a file already exists there (force to replace)");
        }

        removeDeadCreatorsLeftovers(absolute);
        final Path temp = dir.resolve(temporaryPrefix(absolute) + ProcessInfo.selfPid() + "-" + System.nanoTime());
        final long length = geometry.fileLength();
        MappedByteBuffer mapping = null;
        FileChannel channel = null;
        try
        {
            // Owner-only from the first instant (O_CREAT with mode 0600 in the same call: no window in which
            // anyone else can open it), then the group, then the final mode, all before any byte is written.
            channel = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            if (CrashPoint.ENABLED)
            {
                CrashPoint.CREATE_AFTER_OPEN.reached();
            }
            if (config.group() != null)
            {
                setGroup(temp, config.group(), path);
            }
            // Exactly the mode asked for (the umask does not apply to chmod), once the group is the right one.
            Files.setPosixFilePermissions(temp, config.permissions());
            if (CrashPoint.ENABLED)
            {
                CrashPoint.CREATE_AFTER_MODE.reached();
            }
            allocate(channel, length, path);
            mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            final UnsafeBuffer buffer = new UnsafeBuffer(mapping);
            buffer.verifyAlignment();
            initialise(buffer, geometry, config, nowEpochMs);

            if (config.force())
            {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            else
            {
                // link(2) refuses an existing target: no window in which another creator's file is replaced.
                Files.createLink(absolute, temp);
                Files.delete(temp);
            }
            final Object fileKey = Files.readAttributes(absolute, BasicFileAttributes.class).fileKey();
            final QueueFile file = new QueueFile(absolute, channel, fileKey, mapping, false);
            mapping = null;
            channel = null;
            return file;
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new QueueException("cannot create " + path + ": a file already exists there (force to replace)");
        }
        catch (final AccessDeniedException ex)
        {
            throw new QueueException("cannot create " + path + ": permission denied");
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot create " + path + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (mapping != null)
            {
                IoUtil.unmap(mapping);
            }
            closeQuietly(channel);
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException ignore)
            {
                // best effort: the temporary name starts with a dot and is never opened as a queue
            }
        }
    }

    private static void setGroup(final Path temp, final String group, final Path path) throws IOException
    {
        final java.nio.file.attribute.GroupPrincipal principal;
        try
        {
            principal = temp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        }
        catch (final java.nio.file.attribute.UserPrincipalNotFoundException ex)
        {
            throw new QueueException("cannot create " + path + ": no group named '" + group + "'");
        }
        try
        {
            Files.getFileAttributeView(temp, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(principal);
        }
        catch (final java.nio.file.FileSystemException ex)
        {
            throw new QueueException("cannot create " + path + ": cannot give it to group '" + group +
                "' (only its members, or root, can): " + ex.getReason());
        }
    }

    /**
     * @param absolute a queue's path.
     * @return the start of the hidden names its creators build it under: {@code .NAME.creating-}, then
     * {@code PID-NANOS}.
     */
    public static String temporaryPrefix(final Path absolute)
    {
        return "." + absolute.getFileName() + ".creating-";
    }

    /**
     * Removes the hidden files ({@code .NAME.creating-PID-NANOS}) that creators of this queue killed mid-create
     * left (create runs it first; so do the reaper's callers and {@code delete}). A leftover is its creator's while
     * that pid lives and started before the file was last written; otherwise the creator is gone (or the pid was
     * reused) and the file is removed.
     *
     * @param path the queue's path.
     * @return how many were removed.
     */
    public static int removeDeadCreatorsLeftovers(final Path path)
    {
        final Path absolute = path.toAbsolutePath();
        final Path dir = absolute.getParent();
        if (dir == null || absolute.getFileName() == null)
        {
            return 0;
        }
        final String prefix = temporaryPrefix(absolute);
        int removed = 0;
        try (java.nio.file.DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir,
            entry -> entry.getFileName().toString().startsWith(prefix)))
        {
            for (final Path leftover : leftovers)
            {
                final String rest = leftover.getFileName().toString().substring(prefix.length());
                final int dash = rest.indexOf('-');
                final long pid;
                try
                {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                if (!creatorGone(pid, leftover))
                {
                    continue;
                }
                try
                {
                    if (Files.deleteIfExists(leftover))
                    {
                        removed++;
                    }
                }
                catch (final IOException ignore)
                {
                    // not ours to remove (another user's directory entry): leave it
                }
            }
        }
        catch (final IOException | java.nio.file.DirectoryIteratorException ignore)
        {
            // an unreadable directory: nothing to clean here
        }
        return removed;
    }

    private static boolean creatorGone(final long pid, final Path leftover)
    {
        if (pid == ProcessInfo.selfPid())
        {
            return false;
        }
        if (!ProcessInfo.isAlive(pid, ProcessInfo.UNKNOWN_START_TIME))
        {
            return true;
        }
        // The pid lives: it is the creator only if it started before the file was made (else the pid was reused).
        final var started = ProcessHandle.of(pid).flatMap(handle -> handle.info().startInstant());
        if (started.isEmpty())
        {
            return false;
        }
        try
        {
            final BasicFileAttributes attributes = Files.readAttributes(leftover, BasicFileAttributes.class);
            final java.time.Instant made = attributes.creationTime().toInstant();
            // Start instants are derived from boot time in clock ticks: allow a second of rounding.
            return started.get().isAfter(made.plusSeconds(1));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing left to release
            }
        }
    }

    /**
     * Maps an existing queue after validating its header against the file.
     *
     * @param path     the queue file.
     * @param readOnly map read-only (tools that must never change the file).
     * @return the mapped file.
     */
    public static QueueFile open(final Path path, final boolean readOnly)
    {
        final Path absolute = path.toAbsolutePath();
        return QueueMapping.map(path, readOnly, true,
            (channel, fileKey, mapping) -> new QueueFile(absolute, channel, fileKey, mapping, readOnly));
    }

    private static void allocate(final FileChannel channel, final long length, final Path path) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocateDirect((int)Math.min(FILL_CHUNK, length));
        long position = 0;
        try
        {
            while (position < length)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
                while (zeros.hasRemaining())
                {
                    position += channel.write(zeros, position);
                }
            }
        }
        catch (final IOException ex)
        {
            final Path dir = path.toAbsolutePath().getParent();
            throw new IOException("cannot allocate " + length + " bytes in " + dir + " (" + ex.getMessage() +
                "); only " + position + " could be written", ex);
        }
        finally
        {
            IoUtil.unmap(zeros);
        }
    }

    private static void initialise(
        final UnsafeBuffer buffer, final QueueDescriptor.Geometry geometry, final QueueConfig config, final long now)
    {
        fillHeader(buffer, geometry, config.maxDeliveries(), config.leaseTimeout().toMillis(),
            config.heartbeatTimeout().toMillis(), now, ProcessInfo.selfPid());
        final QueueLayout layout = new QueueLayout(geometry);
        for (int ring = 0; ring < layout.ringCount(); ring++)
        {
            for (int i = 0; i < layout.capacity(ring); i++)
            {
                // Slot i is free for position i of the first lap.
                buffer.putLong(layout.slotOffset(ring, i) + SlotDescriptor.SEQUENCE_OFFSET, i);
            }
            buffer.putLong(layout.laneOffset(ring) + LaneDescriptor.TAIL_OFFSET, 0);
        }
        signalReady(buffer);
    }

    private static QueueDescriptor.Geometry validate(final Path path, final UnsafeBuffer buffer)
    {
        // The checks every reader makes live in the read model, so that inspect and attach refuse the same files.
        return new HeaderFlyweight().wrap(buffer, 0).validate(path.toString(), buffer.capacity());
    }

    public Path path()
    {
        return path;
    }

    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    public boolean readOnly()
    {
        return readOnly;
    }

    public QueueDescriptor.Geometry geometry()
    {
        return geometry;
    }

    public int maxDeliveries()
    {
        return maxDeliveries;
    }

    public long leaseTimeoutMs()
    {
        return leaseTimeoutMs;
    }

    public long heartbeatTimeoutMs()
    {
        return heartbeatTimeoutMs;
    }

    public long createdEpochMs()
    {
        return createdEpochMs;
    }

    /**
     * Checks that the file is still the one mapped, whole: its size (fstat of the descriptor kept open) equals the
     * mapping's, and the path still names it (same device and inode). Once either fails, it fails for good: a
     * truncated mapping turns a write or a CAS into SIGBUS, which the JVM cannot turn into an exception, and a
     * replaced file means other processes now use another queue. A file removed from its path is not broken: the
     * processes that have it mapped can still drain it.
     *
     * @return null while intact; otherwise why not (also what {@link #broken()} says from then on).
     */
    public String checkIntact()
    {
        String reason = broken;
        if (reason != null)
        {
            return reason;
        }
        try
        {
            final long size = channel.size();
            if (size != mapping.capacity())
            {
                reason = path + " was " + (size < mapping.capacity() ? "truncated" : "resized") + " to " + size +
                    " bytes while mapped (it had " + mapping.capacity() + ")";
            }
            else
            {
                // Followed as open followed it: a queue opened through a symbolic link names the link's target.
                final Object keyNow = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                if (fileKey != null && !fileKey.equals(keyNow))
                {
                    reason = path + " was replaced while mapped: the path now names another file";
                }
            }
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        catch (final IOException ex)
        {
            // Cannot tell (interrupted, or the descriptor was closed): judge again at the next check.
            return null;
        }
        if (reason != null)
        {
            markBroken(reason);
        }
        return broken;
    }

    /**
     * Records that the mapping must no longer be touched (the first reason wins).
     *
     * @param reason what happened to the file.
     */
    public void markBroken(final String reason)
    {
        if (broken == null)
        {
            broken = reason;
        }
    }

    /**
     * @return null while the file is intact, else why it is not (see {@link #checkIntact()}).
     */
    public String broken()
    {
        return broken;
    }

    /**
     * @throws QueueException if the file was found truncated or replaced.
     */
    public void checkNotBroken()
    {
        final String reason = broken;
        if (reason != null)
        {
            throw brokenException(reason);
        }
    }

    /**
     * @param reason what happened to the file.
     * @return the exception every call gets once the file is broken.
     */
    public static QueueException brokenException(final String reason)
    {
        return new QueueException(reason + ": this process no longer uses it (a write to a truncated mapping " +
            "crashes the JVM with SIGBUS); stop every process using the queue, then recreate it");
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapping);
        closeQuietly(channel);
    }
}
