using static Mtaeda.Identification.Tests.Support.Faces;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// What an approximate matcher must do, checked against exact search (<see cref="ExactMatcher"/>, the reference) on
/// face-like data: 512-value random unit templates and captures that are noisy copies of them. Each matcher's test class
/// derives from it and runs every test here.
/// </summary>
/// <typeparam name="TMatcher">The matcher.</typeparam>
public abstract class ApproximateMatcherTests<TMatcher>
    where TMatcher : IMatcher
{
    protected const int Dimensions = 512;

    protected static readonly MatchPolicy Policy = new(OffenderThreshold: 0.55f, PassengerThreshold: 0.6f);

    /// <summary>Cosine of the captures of listed people to their template in the 10,000-template test.</summary>
    protected abstract double CaptureSimilarity { get; }

    /// <summary>The share of those captures the matcher must find (as many as exact search finds, at least this share).</summary>
    protected abstract double FoundAtLeast { get; }

    /// <summary>The matcher with its default settings.</summary>
    protected abstract TMatcher Create();

    /// <summary>The matcher as the tests of changes use it (the default, or settings that make the changes reach more of it).</summary>
    protected virtual TMatcher CreateForChanges() => Create();

    /// <summary>The matcher as the test of searches during changes uses it (by default as <see cref="CreateForChanges"/>).</summary>
    protected virtual TMatcher CreateForSearchesWhileChanging() => CreateForChanges();

    /// <summary>More checks after the 10,000-template test.</summary>
    protected virtual void AfterDecisions(TMatcher matcher, int people)
    {
    }

    /// <summary>More checks after the changes test.</summary>
    protected virtual void AfterChanges(TMatcher matcher)
    {
    }

    [Fact]
    public void Captures_are_decided_as_exact_search_decides_them_at_10_000_templates()
    {
        const int people = 10_000;
        const int captures = 200;
        var random = new Random(11);
        var matcher = Create();
        var (templates, exact) = Listed(matcher, people, random);
        var (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched) = CompareWithExact(matcher, exact, templates, random, CaptureSimilarity, captures);
        Assert.Equal(foundExactly, found);
        Assert.True(found >= captures * FoundAtLeast, $"{found} of {captures} captures of listed people were found");
        Assert.Equal(captures, nearestAgrees);
        Assert.Equal(2 * captures, decisionsAgree);
        Assert.Equal(0, strangersMatched);
        AfterDecisions(matcher, people);
    }

    [Fact]
    public void A_short_list_is_ranked_as_exact_search_ranks_it()
    {
        // As many templates as the re-rank depth: every one is re-ranked, so the whole order is exact search's.
        var random = new Random(5);
        var templates = Enumerable.Range(0, 16).Select(_ => Unit(random, Dimensions)).ToArray();
        var exact = new ExactMatcher(Dimensions);
        var matcher = Create();
        for (var i = 0; i < templates.Length; i++)
        {
            exact.Put(Person(i), [new StoredTemplate("t", templates[i])]);
            matcher.Put(Person(i), [new StoredTemplate("t", templates[i])]);
        }
        var capture = Noisy(random, templates[7], similarity: 0.7);
        var expected = exact.Nearest(capture, 8);
        var actual = matcher.Nearest(capture, 8);
        Assert.Equal(expected.Select(c => c.Person), actual.Select(c => c.Person));
        foreach (var (e, a) in expected.Zip(actual)) Assert.Equal(e.Similarity, a.Similarity, 3); // 16-bit storage
        Assert.Equal(templates.Length, matcher.Nearest(capture, 100).Count);
        Assert.Equal(templates.Length, matcher.Nearest(capture, int.MaxValue).Count);
        Assert.Throws<ArgumentException>(() => matcher.Nearest(new float[Dimensions - 1], 8));
        Assert.Throws<ArgumentException>(() => matcher.Put(Person(1), [new StoredTemplate("t", new float[3])]));
    }

    [Fact]
    public void Adding_updating_and_removing_people_is_reflected_in_matches()
    {
        var matcher = CreateForChanges();
        AssertChangesAreReflected(matcher, new Random(17));
        AfterChanges(matcher);
    }

    [Fact]
    public async Task Searches_run_while_the_list_changes()
    {
        var random = new Random(23);
        var matcher = CreateForSearchesWhileChanging();
        var steady = Unit(random, Dimensions);
        matcher.Put(Person(0), [new StoredTemplate("t", steady)]);
        var churn = Enumerable.Range(0, 300).Select(_ => Unit(random, Dimensions)).ToArray();
        var capture = Noisy(random, steady, similarity: 0.7);
        var changes = Task.Run(() =>
        {
            // Adds (one by one and in batches, crossing re-layouts the first time where the matcher has them) and removals.
            for (var round = 0; round < 10; round++)
            {
                for (var i = 1; i < churn.Length / 2; i++) matcher.Put(Person(i), [new StoredTemplate("t", churn[i])]);
                matcher.PutMany([.. Enumerable.Range(churn.Length / 2, churn.Length / 2).Select(i => (Person(i), (IReadOnlyList<StoredTemplate>)[new StoredTemplate("t", churn[i])]))]);
                for (var i = 1; i < churn.Length; i++) matcher.Remove(Person(i));
            }
        }, TestContext.Current.CancellationToken);
        var searches = 0;
        while (!changes.IsCompleted || searches == 0)
        {
            Assert.Equal(Person(0), Policy.Identify(matcher, capture)?.Person);
            searches++;
        }
        await changes;
        Assert.Equal(1, matcher.Count);
    }

    /// <summary>One random template for each of <paramref name="people"/> people, held by <paramref name="matcher"/> and by exact search.</summary>
    protected static (float[][] Templates, IMatcher Exact) Listed(IMatcher matcher, int people, Random random)
    {
        var templates = Enumerable.Range(0, people).Select(_ => Unit(random, Dimensions)).ToArray();
        var list = templates.Select((t, i) => (Person(i), (IReadOnlyList<StoredTemplate>)[new StoredTemplate("t", t)])).ToList();
        IMatcher exact = new ExactMatcher(Dimensions);
        exact.PutMany(list);
        matcher.PutMany(list);
        Assert.Equal(people, matcher.Count);
        return (templates, exact);
    }

    /// <summary>
    /// <paramref name="captures"/> captures of listed people (at cosine <paramref name="similarity"/> to their template)
    /// and as many strangers (nobody's template anywhere near the threshold), decided by <paramref name="matcher"/> and by
    /// exact search: how many listed people each found, how often the nearest template and the decisions agree, and how
    /// many strangers the matcher matched.
    /// </summary>
    private static (int Found, int FoundExactly, int NearestAgrees, int DecisionsAgree, int StrangersMatched) CompareWithExact(
        IMatcher matcher, IMatcher exact, float[][] templates, Random random, double similarity, int captures)
    {
        var (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched) = (0, 0, 0, 0, 0);
        for (var q = 0; q < captures; q++)
        {
            var who = random.Next(templates.Length);
            var capture = Noisy(random, templates[who], similarity);
            var match = Policy.Identify(matcher, capture);
            var reference = Policy.Identify(exact, capture);
            if (match?.Person == Person(who)) found++;
            if (reference?.Person == Person(who)) foundExactly++;
            if (match?.Person == reference?.Person) decisionsAgree++;
            if (matcher.Nearest(capture, 1)[0].Person == exact.Nearest(capture, 1)[0].Person) nearestAgrees++;

            var stranger = Unit(random, Dimensions);
            if (Policy.Identify(matcher, stranger) is not null) strangersMatched++;
            if (Policy.Identify(matcher, stranger)?.Person == Policy.Identify(exact, stranger)?.Person) decisionsAgree++;
        }
        return (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched);
    }

    /// <summary>
    /// 2,000 people put one by one into <paramref name="matcher"/>, then 600 random updates (new templates, sometimes
    /// two), removals (by Remove and by an empty Put) and new people taking freed slots, each also made on exact search:
    /// every held template is then found for a capture of it, and no former one is found any more.
    /// </summary>
    private static void AssertChangesAreReflected(IMatcher matcher, Random random)
    {
        const int people = 2000;
        var exact = new ExactMatcher(Dimensions);
        var current = new Dictionary<int, float[][]>();
        var former = new List<float[]>();
        void Put(int person, float[][] templates)
        {
            if (current.Remove(person, out var old)) former.AddRange(old);
            IReadOnlyList<StoredTemplate> stored = [.. templates.Select((t, i) => new StoredTemplate($"t{i}", t))];
            exact.Put(Person(person), stored);
            matcher.Put(Person(person), stored);
            if (templates.Length > 0) current[person] = templates;
        }
        for (var i = 0; i < people; i++) Put(i, [Unit(random, Dimensions)]);
        // Changes: updates (new templates, sometimes two), removals (by Remove and by an empty Put), and new people
        // taking the freed slots.
        for (var step = 0; step < 600; step++)
        {
            var person = random.Next(people + 300);
            switch (random.Next(4))
            {
                case 0:
                    Put(person, random.Next(2) == 0 ? [Unit(random, Dimensions)] : [Unit(random, Dimensions), Unit(random, Dimensions)]);
                    break;
                case 1:
                    var held = current.Remove(person, out var old);
                    if (held) former.AddRange(old!);
                    Assert.Equal(held, exact.Remove(Person(person)));
                    Assert.Equal(held, matcher.Remove(Person(person)));
                    break;
                case 2:
                    Put(person, []);
                    break;
                default:
                    Put(person, [Unit(random, Dimensions)]);
                    break;
            }
        }
        Assert.Equal(current.Values.Sum(t => t.Length), matcher.Count);
        Assert.Equal(exact.Count, matcher.Count);

        // Every held template is found for a capture of it; no former template (replaced or removed) is found any more.
        foreach (var (person, templates) in current.Take(300))
        {
            foreach (var template in templates)
            {
                var capture = Noisy(random, template, similarity: 0.7);
                Assert.Equal(Person(person), Policy.Identify(matcher, capture)?.Person);
            }
        }
        Assert.True(former.Count > 100, $"the changes replaced or removed only {former.Count} templates");
        foreach (var template in former)
        {
            var capture = Noisy(random, template, similarity: 0.7);
            Assert.Null(Policy.Identify(exact, capture));
            Assert.Null(Policy.Identify(matcher, capture));
        }
    }
}
