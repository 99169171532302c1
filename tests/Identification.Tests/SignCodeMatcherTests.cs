using Mtaeda.Identification.Domain;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// The service's matcher (<see cref="SignCodeMatcher"/>) against exact search (<see cref="ExactMatcher"/>, the reference)
/// on face-like data: 512-value random unit templates (distinct people's embeddings are nearly orthogonal) and captures
/// that are noisy copies of them, as a second photo of the same face gives.
/// </summary>
public sealed class SignCodeMatcherTests
{
    private const int Dimensions = 512;
    private static readonly MatchPolicy Policy = new(OffenderThreshold: 0.55f, PassengerThreshold: 0.6f);

    [Fact]
    public void Captures_are_decided_as_exact_search_decides_them_and_enrolled_faces_are_found()
    {
        const int people = 10_000;
        const int captures = 200;
        var random = new Random(11);
        var matcher = new SignCodeMatcher(Dimensions);
        var (templates, exact) = Listed(matcher, people, random);
        // Captures of listed people at cosine 0.6 ± 0.035 to their template: some fall below the threshold (0.55).
        var (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched) = CompareWithExact(matcher, exact, templates, random, 0.6, captures);
        Assert.Equal(foundExactly, found);
        Assert.True(found > captures * 0.8, $"{found} of {captures} captures of listed people were found");
        Assert.Equal(captures, nearestAgrees);
        Assert.Equal(2 * captures, decisionsAgree);
        Assert.Equal(0, strangersMatched);
    }

    /// <summary>One random template for each of <paramref name="people"/> people, held by <paramref name="matcher"/> and by exact search.</summary>
    internal static (float[][] Templates, IMatcher Exact) Listed(IMatcher matcher, int people, Random random)
    {
        var templates = Enumerable.Range(0, people).Select(_ => Unit(random)).ToArray();
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
    internal static (int Found, int FoundExactly, int NearestAgrees, int DecisionsAgree, int StrangersMatched) CompareWithExact(
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

            var stranger = Unit(random);
            if (Policy.Identify(matcher, stranger) is not null) strangersMatched++;
            if (Policy.Identify(matcher, stranger)?.Person == Policy.Identify(exact, stranger)?.Person) decisionsAgree++;
        }
        return (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched);
    }

    [Fact]
    public void Similarities_are_the_cosines_exact_search_computes()
    {
        var random = new Random(5);
        var templates = Enumerable.Range(0, new SignCodeSettings().RerankDepth).Select(_ => Unit(random)).ToArray();
        var exact = new ExactMatcher(Dimensions);
        var matcher = new SignCodeMatcher(Dimensions);
        for (var i = 0; i < templates.Length; i++)
        {
            exact.Put(Person(i), [new StoredTemplate("t", templates[i])]);
            matcher.Put(Person(i), [new StoredTemplate("t", templates[i])]);
        }
        var capture = Noisy(random, templates[7], similarity: 0.7);
        // As many templates as the re-rank depth: every one is re-ranked, so the whole order is exact search's.
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
    public void Adding_updating_and_removing_people_is_reflected_in_matches() =>
        AssertChangesAreReflected(new SignCodeMatcher(Dimensions), new Random(17));

    /// <summary>
    /// 2,000 people put one by one into <paramref name="matcher"/>, then 600 random updates (new templates, sometimes
    /// two), removals (by Remove and by an empty Put) and new people taking freed slots, each also made on exact search:
    /// every held template is then found for a capture of it, and no former one is found any more.
    /// </summary>
    internal static void AssertChangesAreReflected(IMatcher matcher, Random random)
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
        for (var i = 0; i < people; i++) Put(i, [Unit(random)]);
        // Changes: updates (new templates, sometimes two), removals (by Remove and by an empty Put), and new people
        // taking the freed slots.
        for (var step = 0; step < 600; step++)
        {
            var person = random.Next(people + 300);
            switch (random.Next(4))
            {
                case 0:
                    Put(person, random.Next(2) == 0 ? [Unit(random)] : [Unit(random), Unit(random)]);
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
                    Put(person, [Unit(random)]);
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

    [Theory]
    [InlineData(8, 1027)]
    [InlineData(8, 3)]
    [InlineData(2, 50)]
    public void Hamming_distances_are_the_number_of_differing_bits(int words, int codes)
    {
        var random = new Random(words * codes);
        var all = new ulong[words * codes];
        for (var i = 0; i < all.Length; i++) all[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        all[0] = ulong.MaxValue; // every bit differing from a zero word, and none from an all-ones word
        var query = new ulong[words];
        for (var i = 0; i < words; i++) query[i] = (ulong)random.NextInt64();
        query[0] = 0;
        var expected = new int[codes];
        for (var c = 0; c < codes; c++)
        {
            for (var w = 0; w < words; w++)
            {
                var differing = all[c * words + w] ^ query[w];
                for (var bit = 0; bit < 64; bit++) expected[c] += (int)((differing >> bit) & 1);
            }
        }
        var vectorized = new int[codes];
        var scalar = new int[codes];
        SignCodeMatcher.HammingDistances(all, query, vectorized);
        SignCodeMatcher.HammingDistances(all, query, scalar, vectorized: false);
        Assert.Equal(expected, vectorized);
        Assert.Equal(expected, scalar);
    }

    [Fact]
    public async Task Searches_run_while_the_list_changes()
    {
        var random = new Random(23);
        var matcher = new SignCodeMatcher(Dimensions);
        var steady = Unit(random);
        matcher.Put(Person(0), [new StoredTemplate("t", steady)]);
        var churn = Enumerable.Range(0, 200).Select(_ => Unit(random)).ToArray();
        var capture = Noisy(random, steady, similarity: 0.7);
        var changes = Task.Run(() =>
        {
            for (var round = 0; round < 20; round++)
            {
                for (var i = 1; i < churn.Length; i++) matcher.Put(Person(i), [new StoredTemplate("t", churn[i])]);
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

    internal static PersonRef Person(int i) => new(PersonKind.Offender, $"o-{i}");

    internal static float[] Unit(Random random)
    {
        var v = new float[Dimensions];
        for (var i = 0; i < v.Length; i++) v[i] = Gaussian(random);
        return Normalise(v);
    }

    /// <summary>The template plus Gaussian noise sized so that the capture's cosine to it is about <paramref name="similarity"/>.</summary>
    internal static float[] Noisy(Random random, float[] template, double similarity)
    {
        var sigma = (float)Math.Sqrt((1 / (similarity * similarity) - 1) / Dimensions);
        var v = new float[Dimensions];
        for (var i = 0; i < v.Length; i++) v[i] = template[i] + sigma * Gaussian(random);
        return Normalise(v);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static float[] Normalise(float[] v)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(v, v));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }
}
