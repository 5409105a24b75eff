# The original lab's own code (../shared/seed/lab3-original.txt), indentation restored.
# Why: Update (test_Update_public, test_Update_hidden): it writes the means into the
#   caller's m, and an empty cluster's centre becomes nan.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): the pdf is read off a 100-point
#   grid, and the variances are taken around the old means.
# Why: EM (test_EM_public): graded with a correct EM_step, EM's random start (means and
#   standard deviations in [0, 1)) lies between the test's two far-apart groups of samples: one
#   component gets no responsibility, its mean becomes nan, and the exact-equality loop never
#   ends; the cell is stopped at its time limit. (With the lab's own grid-based EM_step the test
#   happens to pass.) test_EM_hidden passes: on the lab's data the same start converges.
### CELL Centroid_init
def Centroid_init(X, K):
    """
    Given training data X, this function initializes K different centroids
    """
    # Hint, zeros are not a good initialization
    try:
        # K centroids with dimension (#features)
        if X.ndim > 1:
            m = rng.random((K,X.shape[1]))
        else:
            m = rng.random(K)
    except:
        m = np.zeros(K)
        print("Exception: Centroid_init")
    return m
### CELL Set
def Set(X, m):
    """
    Now we define a function that creates the sets of data points closest
    to each centroid. Also it is useful to compute the distortion.
    """
    # dictionary of cluster sets
    C = {}

    # number of samples
    N = X.shape[0]

    # of features
    if X.ndim > 1:
        F = X.shape[1]
    else:
        F = 1

    # of clusters
    K = m.shape[0]

    # get the distances to all cluster centers for every sample
    distances = np.zeros((N,K))
    for x in range(N):
        for k in range(K):
            if X.ndim > 1:
                distances[x,k] = np.sqrt(np.sum(np.square(X[x,:]-m[k,:])))
            else:
                distances[x,k] = np.sqrt(np.sum(np.square(X[x]-m[k])))

    # only keep the closest cluster idx
    closest = np.argmin(distances,axis=1)

    # assign labels to closest points
    for k in range(K):
        C[k] = X[closest == k]

    # get min from distances to get distortion
    distances = np.min(distances,axis=1)
    Distortion = np.sum(np.square(distances))

    return (C, Distortion)
### CELL Update
def Update(X, C, m):
    """
    This is step 3), where we update our cluster centers.
    """
    try:
        # get the mean of each cluster (dim = K x num_features)
        for k in range(m.shape[0]):
            if X.ndim > 1:
                m[k,:] = np.mean(C[k],axis=0)
            else:
                m[k] = np.mean(C[k],axis=0)
    except:
        m = np.zeros(m.shape[0])
    return m[:]
### CELL K_Means
def K_Means(X, K):
    """
    Now put it all together.
    """
    try:
        # initialize the clusters
        m = Centroid_init(X,K)

        # assign the labels
        C,D = Set(X,m)

        # update the centers
        m_new = Update(X,C,m.copy())

        # now update the clusters and find the centroids until the centroids don't change
        while not np.array_equal(m_new,m):
            # set old to new
            m = m_new.copy()

            # assign the labels
            C,D = Set(X,m)

            # update the centers
            m_new = Update(X,C,m.copy())

    except:
        m = np.zeros(K)
        D = 0
    print("DONE")
    return(m, D)
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    '''
    Maybe you would like to isolate one step of the algorithm?
    '''

    # number of samples
    N = len(X)

    # get the distributions
    MIN, MAX = X.min(), X.max()
    domain = np.linspace(MIN, MAX,100)
    phi_0 = norm.pdf(domain,mu[0],scale=sigma[0])
    phi_1 = norm.pdf(domain,mu[1],scale=sigma[1])

    # expectation step: for every sample, assign a soft label
    soft_labels = np.zeros((N,1))
    for i,x in enumerate(X):
        # map x to the closest value in the domain, get the idx
        x = np.argmin(np.abs(x-domain))
        phi1 = phi_1[x]
        phi0 = phi_0[x]
        soft_labels[i] = (pi*phi1)/(pi*phi1 + (1-pi)*phi0)

    # maximization step: update the parameters
    gamma_sum1 = np.sum(soft_labels)
    gamma_sum0 = np.sum(1-soft_labels)

    # mean
    prod0 = np.dot((1-soft_labels).T,X.reshape(-1,1))
    prod1 = np.dot(soft_labels.T,X.reshape(-1,1))
    mu_0 = prod0 / gamma_sum0
    mu_1 = prod1 / gamma_sum1
    new_mu = np.array([mu_0.item(),mu_1.item()])

    # variance
    prod0 = np.dot((1-soft_labels).T,np.square(X.reshape(-1,1)-mu[0]))
    prod1 = np.dot(soft_labels.T,np.square(X.reshape(-1,1)-mu[1]))
    sigma_0 = np.sqrt(prod0 / gamma_sum0)
    sigma_1 = np.sqrt(prod1 / gamma_sum1)
    new_sigma = np.array([sigma_0.item(),sigma_1.item()])

    # prior
    new_pi = (1/N)*gamma_sum1

    return new_pi, new_mu, new_sigma
### CELL EM
def EM(X):
    '''
    The EM algorithm in it's least-full form.
    '''

    # initialize randomly
    pi = rng.random()
    mu = rng.random(2)
    sigma = rng.random(2)

    # run until convergence (takes over a minute)
    pi_new,mu_new,sigma_new = EM_step(X,pi,mu,sigma)
    while (not np.array_equal(pi_new,pi)) or (not np.array_equal(mu_new,mu)) or (not np.array_equal(sigma_new,sigma)):
        pi,mu,sigma = pi_new.copy(),mu_new.copy(),sigma_new.copy()
        pi_new,mu_new,sigma_new = EM_step(X,pi,mu,sigma)
    return pi,mu,sigma
