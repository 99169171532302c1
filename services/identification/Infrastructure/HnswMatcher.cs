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
public sealed class HnswMatcher : InMemoryMatcher, IDisposable
{
    private readonly USearchIndex _index;
    private readonly Dictionary<ulong, (PersonRef Person, string TemplateId)> _byKey = [];
    private readonly Dictionary<PersonRef, ulong[]> _keys = [];
    private ulong _nextKey;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimensions">Template length.</param>
    /// <param name="settings">Graph parameters.</param>
    public HnswMatcher(int dimensions, HnswSettings? settings = null)
        : base(dimensions)
    {
        settings ??= new HnswSettings();
        _index = new USearchIndex(MetricKind.Cos, settings.Quantization switch
        {
            HnswQuantization.Float32 => ScalarKind.Float32,
            HnswQuantization.Float16 => ScalarKind.Float16,
            _ => ScalarKind.Int8,
        }, (ulong)dimensions, (ulong)settings.Connectivity,
            (ulong)settings.ExpansionAdd, (ulong)settings.ExpansionSearch, false);
    }

    /// <inheritdoc />
    /// <remarks>One native insertion call for all templates, so the index grows its capacity once (the library's single
    /// insertion grows it by one each time, which copies its node table on every insert).</remarks>
    protected override Action Prepare(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people) => () =>
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
            Counted(held.Length);
        }
        if (keys.Count > 0) _index.Add([.. keys], [.. vectors]);
    };

    /// <inheritdoc />
    protected override IReadOnlyList<Candidate> Search(float[] query, int count)
    {
        var found = _index.Search(query, count, out ulong[] keys, out float[] distances);
        var candidates = new List<Candidate>(found);
        for (var i = 0; i < found; i++)
        {
            if (_byKey.TryGetValue(keys[i], out var owner)) candidates.Add(new Candidate(owner.Person, owner.TemplateId, 1f - distances[i]));
        }
        return candidates;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _index.Dispose();
        DisposeLock();
    }

    /// <inheritdoc />
    protected override bool RemoveHeld(PersonRef person)
    {
        if (!_keys.Remove(person, out var old)) return false;
        foreach (var key in old)
        {
            _index.Remove(key);
            _byKey.Remove(key);
        }
        Counted(-old.Length);
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
