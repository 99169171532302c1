namespace Mtaeda.Identification.Domain;

/// <summary>
/// Every template compared with the capture (O(n·d) per capture): exact, so it is the reference the approximate index's
/// recall is measured against, and the matcher for tests that must not depend on approximation.
/// </summary>
/// <param name="dimensions">The template length.</param>
public sealed class ExactMatcher(int dimensions) : InMemoryMatcher(dimensions)
{
    private readonly Dictionary<PersonRef, IReadOnlyList<StoredTemplate>> _people = [];

    /// <inheritdoc />
    protected override Action Prepare(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people) => () =>
    {
        foreach (var (person, templates) in people)
        {
            RemoveHeld(person);
            if (templates.Count == 0) continue;
            _people[person] = [.. templates];
            Counted(templates.Count);
        }
    };

    /// <inheritdoc />
    protected override bool RemoveHeld(PersonRef person)
    {
        if (!_people.Remove(person, out var old)) return false;
        Counted(-old.Count);
        return true;
    }

    /// <inheritdoc />
    protected override IReadOnlyList<Candidate> Search(float[] query, int count)
    {
        var best = new List<Candidate>(count + 1);
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
        return best;
    }
}
