using Cloud.Unum.USearch;
using Mtaeda.Identification.Domain;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>
/// The service's matcher: an HNSW graph (hierarchical navigable small world, USearch's native index) over every
/// template, cosine metric, values stored as 16-bit floats by default (<see cref="HnswSettings.Quantization"/>), in memory. A search visits O(log n) layers and about
/// <see cref="HnswSettings.ExpansionSearch"/> nodes of the bottom layer, each compared in O(d): cost grows with the
/// logarithm of the list, not with its length. Each template gets a 64-bit key; the person and template id behind a
/// key are kept here. Searches run concurrently (a read lock); changes take the write lock. A removed template is
/// marked removed in the graph (USearch keeps the node as a bridge and never answers it).
/// </summary>
public sealed class HnswMatcher : IMatcher, IDisposable
{
    private readonly USearchIndex _index;
    private readonly Dictionary<ulong, (PersonRef Person, string TemplateId)> _byKey = [];
    private readonly Dictionary<PersonRef, ulong[]> _keys = [];
    private readonly ReaderWriterLockSlim _lock = new();
    private ulong _nextKey;
    private int _count;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimensions">Template length.</param>
    /// <param name="settings">Graph parameters.</param>
    public HnswMatcher(int dimensions, HnswSettings? settings = null)
    {
        settings ??= new HnswSettings();
        Dimensions = dimensions;
        _index = new USearchIndex(MetricKind.Cos, settings.Quantization switch
        {
            HnswQuantization.Float32 => ScalarKind.Float32,
            HnswQuantization.Float16 => ScalarKind.Float16,
            _ => ScalarKind.Int8,
        }, (ulong)dimensions, (ulong)settings.Connectivity,
            (ulong)settings.ExpansionAdd, (ulong)settings.ExpansionSearch, false);
    }

    /// <inheritdoc />
    public int Dimensions { get; }

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
            RemoveHeld(person);
            if (templates.Count == 0) return;
            var keys = new ulong[templates.Count];
            for (var i = 0; i < templates.Count; i++)
            {
                keys[i] = ++_nextKey;
                _byKey[keys[i]] = (person, templates[i].TemplateId);
            }
            _index.Add(keys, [.. templates.Select(t => t.Values)]);
            _keys[person] = keys;
            _count += keys.Length;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    /// <remarks>One native insertion call for all templates, so the index grows its capacity once (the library's single
    /// insertion grows it by one each time, which copies its node table on every insert).</remarks>
    public void PutMany(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        foreach (var (_, templates) in people)
        {
            foreach (var t in templates)
            {
                if (t.Values.Length != Dimensions) throw new ArgumentException($"template {t.TemplateId} has {t.Values.Length} values, not {Dimensions}", nameof(people));
            }
        }
        _lock.EnterWriteLock();
        try
        {
            var keys = new List<ulong>();
            var vectors = new List<float[]>();
            foreach (var (person, templates) in people)
            {
                RemoveHeld(person);
                if (templates.Count == 0) continue;
                var held = new ulong[templates.Count];
                for (var i = 0; i < templates.Count; i++)
                {
                    held[i] = ++_nextKey;
                    _byKey[held[i]] = (person, templates[i].TemplateId);
                    keys.Add(held[i]);
                    vectors.Add(templates[i].Values);
                }
                _keys[person] = held;
                _count += held.Length;
            }
            if (keys.Count > 0) _index.Add([.. keys], [.. vectors]);
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
            if (_count == 0) return [];
            var found = _index.Search(query, count, out ulong[] keys, out float[] distances);
            var candidates = new List<Candidate>(found);
            for (var i = 0; i < found; i++)
            {
                if (_byKey.TryGetValue(keys[i], out var owner)) candidates.Add(new Candidate(owner.Person, owner.TemplateId, 1f - distances[i]));
            }
            return candidates;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _index.Dispose();
        _lock.Dispose();
    }

    private bool RemoveHeld(PersonRef person)
    {
        if (!_keys.Remove(person, out var old)) return false;
        foreach (var key in old)
        {
            _index.Remove(key);
            _byKey.Remove(key);
        }
        _count -= old.Length;
        return true;
    }
}

/// <summary>HNSW graph parameters (section <c>Identification:Hnsw</c>).</summary>
public sealed class HnswSettings
{
    /// <summary>Links per node (M): more gives better recall and more memory.</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidates kept while inserting (efConstruction).</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidates kept while searching (ef): the recall/speed trade-off.</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>How the index stores each value: 16-bit floats (the default: half the memory of 32-bit, similarity
    /// within about 0.001), 32-bit floats, or 8-bit integers (a quarter of the memory, but a 512-value unit vector's
    /// components are small, so 8 bits keep too little of them: recall fell to 0.75 against 100,000 templates).</summary>
    public HnswQuantization Quantization { get; init; } = HnswQuantization.Float16;
}

/// <summary>How the index stores a template's values.</summary>
public enum HnswQuantization
{
    /// <summary>8-bit integers (values scaled by 127).</summary>
    Int8,

    /// <summary>16-bit floats.</summary>
    Float16,

    /// <summary>32-bit floats.</summary>
    Float32,
}
