namespace Mtaeda.Identification.Domain;

/// <summary>Who a template belongs to.</summary>
public enum PersonKind
{
    /// <summary>An offender on the watch list.</summary>
    Offender = 1,

    /// <summary>A passenger enrolled for identification.</summary>
    Passenger = 2,
}

/// <summary>A person whose templates the matcher holds.</summary>
/// <param name="Kind">Offender or passenger.</param>
/// <param name="Id">The offender's or passenger's id.</param>
public readonly record struct PersonRef(PersonKind Kind, string Id);

/// <summary>One template of a person.</summary>
/// <param name="TemplateId">The template id, unique for the person.</param>
/// <param name="Values">The L2-normalised embedding.</param>
public sealed record StoredTemplate(string TemplateId, float[] Values);

/// <summary>A template near a capture.</summary>
/// <param name="Person">Whose template.</param>
/// <param name="TemplateId">Which template.</param>
/// <param name="Similarity">Cosine similarity to the capture.</param>
public sealed record Candidate(PersonRef Person, string TemplateId, float Similarity);

/// <summary>
/// The templates of the watch list and of the enrolled passengers, searched by cosine similarity. Implementations:
/// <see cref="MultiProbeLshMatcher"/> (the service's: multi-probe LSH, candidates compared by sign code and re-ranked by
/// cosine), <see cref="SignCodeMatcher"/> (every sign code scanned with popcount, the nearest re-ranked by cosine),
/// <c>HnswMatcher</c> (an HNSW graph, selectable) and <see cref="ExactMatcher"/> (every template compared: the reference
/// the others are measured against). A real model or vector database can take its
/// place. Safe for concurrent searches and changes.
/// </summary>
public interface IMatcher
{
    /// <summary>The template length.</summary>
    int Dimensions { get; }

    /// <summary>How many templates are held.</summary>
    int Count { get; }

    /// <summary>Makes <paramref name="templates"/> the person's templates (replacing any held; none removes the person).</summary>
    /// <param name="person">The person.</param>
    /// <param name="templates">The templates, L2-normalised, of <see cref="Dimensions"/> values.</param>
    void Put(PersonRef person, IReadOnlyList<StoredTemplate> templates);

    /// <summary>Makes each person's templates theirs, as <see cref="Put"/> does, in one go (building the index at start-up).</summary>
    /// <param name="people">The people and their templates.</param>
    void PutMany(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        foreach (var (person, templates) in people) Put(person, templates);
    }

    /// <summary>Forgets the person's templates.</summary>
    /// <param name="person">The person.</param>
    /// <returns>True when templates were held.</returns>
    bool Remove(PersonRef person);

    /// <summary>The templates most similar to <paramref name="query"/>, most similar first (at most <paramref name="count"/>).</summary>
    /// <param name="query">The capture's template, L2-normalised.</param>
    /// <param name="count">How many.</param>
    /// <returns>The candidates.</returns>
    IReadOnlyList<Candidate> Nearest(float[] query, int count);
}

/// <summary>
/// Which candidate, if any, a capture identifies: the most similar one at or above its kind's threshold. Ties (equal
/// similarity) go to an offender before a passenger, then to the smaller id (ordinal), so the same capture always
/// identifies the same person. No candidate above its threshold, or none at all (an empty list): no match.
/// </summary>
/// <param name="OffenderThreshold">Least similarity for an offender match.</param>
/// <param name="PassengerThreshold">Least similarity for a passenger match.</param>
public sealed record MatchPolicy(float OffenderThreshold, float PassengerThreshold)
{
    /// <summary>How many nearest templates to look at for one capture (a person may hold several).</summary>
    public const int Candidates = 8;

    /// <summary>The match for the candidates of one capture, or null.</summary>
    /// <param name="candidates">Candidates, in any order.</param>
    /// <returns>The match, or null.</returns>
    public Candidate? Decide(IReadOnlyList<Candidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        Candidate? best = null;
        foreach (var candidate in candidates)
        {
            var threshold = candidate.Person.Kind == PersonKind.Offender ? OffenderThreshold : PassengerThreshold;
            if (!(candidate.Similarity >= threshold)) continue;
            if (best is null || Better(candidate, best)) best = candidate;
        }
        return best;
    }

    /// <summary>Identifies a capture with <paramref name="matcher"/>.</summary>
    /// <param name="matcher">The matcher.</param>
    /// <param name="query">The capture's template.</param>
    /// <returns>The match, or null.</returns>
    public Candidate? Identify(IMatcher matcher, float[] query)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        return matcher.Count == 0 ? null : Decide(matcher.Nearest(query, Candidates));
    }

    private static bool Better(Candidate a, Candidate b)
    {
        if (a.Similarity != b.Similarity) return a.Similarity > b.Similarity;
        if (a.Person.Kind != b.Person.Kind) return a.Person.Kind == PersonKind.Offender;
        var byId = string.CompareOrdinal(a.Person.Id, b.Person.Id);
        return byId != 0 ? byId < 0 : string.CompareOrdinal(a.TemplateId, b.TemplateId) < 0;
    }
}
