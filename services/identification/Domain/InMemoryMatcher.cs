namespace Mtaeda.Identification.Domain;

/// <summary>
/// What every matcher held in this process shares: the checks of templates and queries against
/// <see cref="IMatcher.Dimensions"/>, the count, and one reader-writer lock (searches run concurrently under the read
/// lock; changes take the write lock). A matcher says only how it stores people's templates (<see cref="Prepare"/>),
/// forgets a person's (<see cref="RemoveHeld"/>) and searches (<see cref="Search"/>).
/// </summary>
/// <param name="dimensions">The template length.</param>
public abstract class InMemoryMatcher(int dimensions) : IMatcher
{
    private readonly ReaderWriterLockSlim _lock = new();
    private int _count;

    /// <inheritdoc />
    public int Dimensions { get; } = dimensions;

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public void Put(PersonRef person, IReadOnlyList<StoredTemplate> templates) => PutMany([(person, templates)]);

    /// <inheritdoc />
    /// <remarks>What <see cref="Prepare"/> does before it answers runs outside the lock; the change it answers runs under the write lock.</remarks>
    public void PutMany(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        foreach (var (_, templates) in people)
        {
            ArgumentNullException.ThrowIfNull(templates);
            foreach (var t in templates)
            {
                if (t.Values.Length != Dimensions) throw new ArgumentException($"template {t.TemplateId} has {t.Values.Length} values, not {Dimensions}", nameof(people));
            }
        }
        var change = Prepare(people);
        _lock.EnterWriteLock();
        try
        {
            change();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    public bool Remove(PersonRef person)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveHeld(person);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<Candidate> Nearest(float[] query, int count)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Length != Dimensions) throw new ArgumentException($"the query has {query.Length} values, not {Dimensions}", nameof(query));
        if (count <= 0) return [];
        _lock.EnterReadLock();
        try
        {
            return _count == 0 ? [] : Search(query, count);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Prepares making each person's templates theirs (replacing any held; none removes the person), as far as it can
    /// without the matcher's state (encoding the templates, say), and answers the change, which runs under the write lock.
    /// </summary>
    /// <param name="people">The people and their templates, checked.</param>
    /// <returns>The change: for each person, <see cref="RemoveHeld"/>, then hold the templates and count them (<see cref="Counted"/>).</returns>
    protected abstract Action Prepare(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people);

    /// <summary>Forgets the person's templates, uncounting them; under the write lock.</summary>
    /// <param name="person">The person.</param>
    /// <returns>True when templates were held.</returns>
    protected abstract bool RemoveHeld(PersonRef person);

    /// <summary>The templates most similar to <paramref name="query"/>, most similar first; under the read lock, the query checked and some template held.</summary>
    /// <param name="query">The capture's template, of <see cref="Dimensions"/> values.</param>
    /// <param name="count">How many, at least one.</param>
    /// <returns>The candidates.</returns>
    protected abstract IReadOnlyList<Candidate> Search(float[] query, int count);

    /// <summary>Counts templates held (or, negative, forgotten); under the write lock.</summary>
    /// <param name="templates">How many.</param>
    protected void Counted(int templates) => _count += templates;

    /// <summary>Releases the lock (for a matcher that is disposed).</summary>
    protected void DisposeLock() => _lock.Dispose();
}
