namespace Mtaeda.Identification.Domain;

/// <summary>
/// Every template compared with the capture (O(n·d) per capture): exact, so it is the reference the approximate index's
/// recall is measured against, and the matcher for tests that must not depend on approximation.
/// </summary>
/// <param name="dimensions">The template length.</param>
public sealed class ExactMatcher(int dimensions) : IMatcher
{
    private readonly Dictionary<PersonRef, IReadOnlyList<StoredTemplate>> _people = [];
    private readonly ReaderWriterLockSlim _lock = new();
    private int _count;

    /// <inheritdoc />
    public int Dimensions { get; } = dimensions;

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public void Put(PersonRef person, IReadOnlyList<StoredTemplate> templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        foreach (var t in templates)
        {
            if (t.Values.Length != Dimensions) throw new ArgumentException($"template {t.TemplateId} has {t.Values.Length} values, not {Dimensions}", nameof(templates));
        }
        _lock.EnterWriteLock();
        try
        {
            if (_people.Remove(person, out var old)) _count -= old.Count;
            if (templates.Count == 0) return;
            _people[person] = [.. templates];
            _count += templates.Count;
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
            if (!_people.Remove(person, out var old)) return false;
            _count -= old.Count;
            return true;
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
        if (count <= 0) return [];
        var best = new List<Candidate>(count + 1);
        _lock.EnterReadLock();
        try
        {
            foreach (var (person, templates) in _people)
            {
                foreach (var template in templates)
                {
                    var similarity = FaceTemplates.Similarity(query, template.Values);
                    if (best.Count == count && similarity <= best[^1].Similarity) continue;
                    var at = best.FindIndex(c => c.Similarity < similarity);
                    best.Insert(at < 0 ? best.Count : at, new Candidate(person, template.TemplateId, similarity));
                    if (best.Count > count) best.RemoveAt(best.Count - 1);
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return best;
    }
}
